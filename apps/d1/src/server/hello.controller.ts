import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access.decorator';
import { kernelUnavailable } from '../common/errors';
import { JupyterService } from './jupyter.service';

/** Unauthenticated routes: d1's hello, liveness and readiness. */
@ApiTags('health')
@Controller()
@Public()
export class HelloController {
  constructor(private readonly jupyter: JupyterService) {}

  @Get('hello')
  hello() {
    return { message: 'Hello World' };
  }

  @Get('hello/:name')
  helloName(@Param('name') name: string) {
    return { message: `Hello ${name}` };
  }

  /** Liveness (Kubernetes' preferred name; /healthz stays for existing probes): the process answers. */
  @Get(['livez', 'healthz'])
  livez() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz() {
    if (!(await this.jupyter.ready())) throw kernelUnavailable(this.jupyter.unavailableReason());
    return { status: 'ready' };
  }
}
