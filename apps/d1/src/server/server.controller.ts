import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Read } from '../auth/access.decorator';
import { EnvironmentService } from './environment.service';
import { JupyterService } from '../kernels/jupyter.service';
import { StatsQuery } from './stats.dto';
import { StatsService } from './stats.service';
import { d1Version } from '../common/version';
import { Doc, QueryDoc, json } from '../common/openapi.decorators';

/** Facts about this d1 server and its kernel service. */
@ApiTags('server')
@Controller('server')
@Read()
export class ServerController {
  constructor(
    private readonly jupyter: JupyterService,
    private readonly stats: StatsService,
    private readonly environment: EnvironmentService,
  ) {}

  @Get('version')
  @Doc("d1's version", json('ServerVersionResponse'))
  version() {
    return { version: d1Version() };
  }

  @Get('environment')
  @Doc(
    'The machine, the Python the kernels run on, this process and its config (credentials left out)',
    json('EnvironmentResponse'),
  )
  async environmentInfo() {
    return { environment_info: await this.environment.info() };
  }

  @Get('jupyter')
  @Doc('The kernel service: the embedded Jupyter Server or the gateway', json('JupyterInfoResponse'))
  async jupyterInfo() {
    return { server_info: await this.jupyter.info() };
  }

  @Get('stats')
  @QueryDoc(StatsQuery)
  @Doc('Recent samples of disk, memory and CPU use, newest first', json('ServerStatsListResponse'))
  statsList(@Query() q: StatsQuery) {
    return { server_stats: this.stats.list(q.limit ?? 100, q.skip ?? 0) };
  }

  @Get('latest_stats')
  @Doc('The newest sample of disk, memory and CPU use', json('LatestServerStatsResponse'))
  latestStats() {
    return { server_stats: this.stats.latest() };
  }
}
