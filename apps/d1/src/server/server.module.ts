import { Module } from '@nestjs/common';
import { KernelsModule } from '../kernels/kernels.module';
import { HelloController } from './hello.controller';
import { EnvironmentService } from './environment.service';
import { ProcessesController } from './proxy/processes.controller';
import { ProcessesService } from './proxy/processes.service';
import { ProxyService } from './proxy/proxy.service';
import { ServerController } from './server.controller';
import { StatsService } from './stats.service';

@Module({
  imports: [KernelsModule],
  controllers: [HelloController, ServerController, ProcessesController],
  providers: [StatsService, EnvironmentService, ProcessesService, ProxyService],
  exports: [ProcessesService],
})
export class ServerModule {}
