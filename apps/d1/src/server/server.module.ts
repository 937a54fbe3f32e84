import { Module } from '@nestjs/common';
import { HelloController } from './hello.controller';
import { EnvironmentService } from './environment.service';
import { JupyterService } from './jupyter.service';
import { ProcessesController } from './proxy/processes.controller';
import { ProcessesService } from './proxy/processes.service';
import { ProxyService } from './proxy/proxy.service';
import { ServerController } from './server.controller';
import { StatsService } from './stats.service';

@Module({
  controllers: [HelloController, ServerController, ProcessesController],
  providers: [JupyterService, StatsService, EnvironmentService, ProcessesService, ProxyService],
  exports: [JupyterService, ProcessesService],
})
export class ServerModule {}
