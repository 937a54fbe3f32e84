import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Read } from '../auth/access.decorator';
import { MetricsService } from './metrics.service';

/**
 * GET /metrics: Prometheus text. It needs read access like every other route but health (it tells how busy
 * the server is); scrapers send the token as `Authorization: Bearer <jwt>` (Prometheus: `authorization:
 * {credentials: <jwt>}`), best a read-only one minted with POST /login/token and a long `expires_in`.
 */
@ApiTags('server')
@ApiBearerAuth()
@Controller()
@Read()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics: executions, queues, kernels, websockets, HTTP requests' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', schema: { type: 'string' } })
  async metricsText(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const { contentType, text } = await this.metrics.scrape();
    void reply.header('Content-Type', contentType);
    return text;
  }
}
