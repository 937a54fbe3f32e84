import { Module } from '@nestjs/common';
import { HelloController } from './hello.controller';
import { JupyterService } from './jupyter.service';
import { MetricsModule } from './metrics.module';
import { ServerController } from './server.controller';
import { StatsService } from './stats.service';

@Module({
  imports: [MetricsModule],
  controllers: [HelloController, ServerController],
  providers: [JupyterService, StatsService],
  exports: [JupyterService],
})
export class ServerModule {}
