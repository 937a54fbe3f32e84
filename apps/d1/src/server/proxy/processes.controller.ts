import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { Read, Write } from '../../auth/access.decorator';
import { invalidField } from '../../common/errors';
import { ProcessesService } from './processes.service';
import { Fails } from '../../common/openapi-errors';
import { Doc, empty, json } from '../../common/openapi.decorators';

const DEFAULT_LINES = 100;
const MAX_LINES = 500;

/** The supervised processes: the embedded Jupyter Server and the servers of --proxy-config. */
@ApiTags('server')
@Controller('server/processes')
export class ProcessesController {
  constructor(private readonly processes: ProcessesService) {}

  @Get()
  @Read()
  @Doc(
    'The supervised processes: the embedded Jupyter Server and the proxied servers',
    json('ProcessesResponse'),
  )
  list() {
    return { processes: this.processes.list() };
  }

  @Post(':name/restart')
  @Write()
  @HttpCode(204)
  @Doc(
    'Restarts a process and waits until it is ready',
    empty(),
    Fails.noProcess,
    Fails.startFailed,
    Fails.startTimeout,
  )
  async restart(@Param('name') name: string): Promise<void> {
    await this.processes.restart(name);
  }

  @Post(':name/stop')
  @Write()
  @HttpCode(204)
  @Doc(
    'Stops a proxied server until its next request or restart',
    empty(),
    Fails.noProcess,
    Fails.jupyterStop,
  )
  async stop(@Param('name') name: string): Promise<void> {
    await this.processes.stop(name);
  }

  @Get(':name/logs')
  @Read()
  @ApiQuery({
    name: 'lines',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_LINES, default: DEFAULT_LINES },
  })
  @Doc(
    'The last lines of output of a process, credentials blanked out',
    json('ProcessLogsResponse'),
    Fails.noProcess,
  )
  logs(@Param('name') name: string, @Query('lines') lines?: string) {
    return this.processes.logs(name, parseLines(lines));
  }
}

function parseLines(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_LINES;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LINES) {
    throw invalidField(['query', 'lines'], `must be a whole number between 1 and ${MAX_LINES}`);
  }
  return Number(raw);
}
