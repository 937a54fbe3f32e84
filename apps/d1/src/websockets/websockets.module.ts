import { Module } from '@nestjs/common';
import { ExecutionModule } from '../execution/execution.module';
import { NotebooksModule } from '../notebooks/notebooks.module';
import { NotebookGateway } from './notebook.gateway';
import { ServerGateway } from './server.gateway';
import { StreamGateway } from './stream.gateway';

/** The three websocket feeds; they sit above the services they read from and subscribe to the bus. */
@Module({
  imports: [NotebooksModule, ExecutionModule],
  providers: [NotebookGateway, StreamGateway, ServerGateway],
})
export class WebsocketsModule {}
