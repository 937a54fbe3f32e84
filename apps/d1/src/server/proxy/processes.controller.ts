import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Read, Write } from '../../auth/access.decorator';
import { invalidField } from '../../common/errors';
import { ProcessesService } from './processes.service';

const DEFAULT_LINES = 100;
const MAX_LINES = 500;

/** The supervised processes: the embedded Jupyter Server and the servers of --proxy-config. */
@ApiTags('server')
@Controller('server/processes')
export class ProcessesController {
  constructor(private readonly processes: ProcessesService) {}

  @Get()
  @Read()
  list() {
    return { processes: this.processes.list() };
  }

  @Post(':name/restart')
  @Write()
  @HttpCode(204)
  async restart(@Param('name') name: string): Promise<void> {
    await this.processes.restart(name);
  }

  @Post(':name/stop')
  @Write()
  @HttpCode(204)
  async stop(@Param('name') name: string): Promise<void> {
    await this.processes.stop(name);
  }

  @Get(':name/logs')
  @Read()
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
