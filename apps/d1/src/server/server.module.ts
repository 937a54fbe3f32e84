import { Module } from '@nestjs/common';
import { HelloController } from './hello.controller';
import { JupyterService } from './jupyter.service';
import { ServerController } from './server.controller';

@Module({
  controllers: [HelloController, ServerController],
  providers: [JupyterService],
  exports: [JupyterService],
})
export class ServerModule {}
