import { Global, Module } from '@nestjs/common';
import { NotebookGateway } from './notebook.gateway';
import { NotebookEvents } from './notebook-events';
import { ServerGateway } from './server.gateway';
import { StreamGateway } from './stream.gateway';
import { UpgradeRouter } from './upgrade-router';

@Global()
@Module({
  providers: [NotebookEvents, UpgradeRouter, NotebookGateway, StreamGateway, ServerGateway],
  exports: [NotebookEvents, UpgradeRouter, NotebookGateway, StreamGateway, ServerGateway],
})
export class EventsModule {}
