import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Read } from '../auth/access.decorator';
import { JupyterService } from './jupyter.service';
import { d1Version } from './version';

/** Facts about this d1 server and its kernel service. */
@ApiTags('server')
@Controller('server')
@Read()
export class ServerController {
  constructor(private readonly jupyter: JupyterService) {}

  @Get('version')
  version() {
    return { version: d1Version() };
  }

  @Get('jupyter')
  async jupyterInfo() {
    return { server_info: await this.jupyter.info() };
  }
}
