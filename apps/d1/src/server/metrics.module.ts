import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsFeeds } from './metrics-feeds';
import { MetricsService } from './metrics.service';

/**
 * GET /metrics and the MetricsService every module may inject. Global: the gateways, the execution layer and
 * WebDAV all report to it, and it must not pull their modules into each other.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, MetricsFeeds],
  exports: [MetricsService],
})
export class MetricsModule {}
