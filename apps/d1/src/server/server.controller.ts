import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Read } from '../auth/access.decorator';
import { EnvironmentService } from './environment.service';
import { JupyterService } from './jupyter.service';
import { StatsQuery } from './stats.dto';
import { StatsService } from './stats.service';
import { d1Version } from './version';

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
  version() {
    return { version: d1Version() };
  }

  @Get('environment')
  async environmentInfo() {
    return { environment_info: await this.environment.info() };
  }

  @Get('jupyter')
  async jupyterInfo() {
    return { server_info: await this.jupyter.info() };
  }

  @Get('stats')
  statsList(@Query() q: StatsQuery) {
    return { server_stats: this.stats.list(q.limit ?? 100, q.skip ?? 0) };
  }

  @Get('latest_stats')
  latestStats() {
    return { server_stats: this.stats.latest() };
  }
}
