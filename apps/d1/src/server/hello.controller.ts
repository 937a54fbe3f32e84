import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access.decorator';
import { kernelUnavailable } from '../common/errors';
import { JupyterService } from '../kernels/jupyter.service';
import { Fails } from '../common/openapi-errors';
import { Doc, json } from '../common/openapi.decorators';

/** Unauthenticated routes: d1's hello, liveness and readiness. */
@ApiTags('health')
@Controller()
@Public()
export class HelloController {
  constructor(private readonly jupyter: JupyterService) {}

  @Get('hello')
  @Doc("d1's hello", json('HelloResponse'))
  hello() {
    return { message: 'Hello World' };
  }

  @Get('hello/:name')
  @Doc('Hello, by name', json('HelloResponse'))
  helloName(@Param('name') name: string) {
    return { message: `Hello ${name}` };
  }

  /** Liveness (Kubernetes' preferred name; /healthz stays for existing probes): the process answers. */
  @Get(['livez', 'healthz'])
  @Doc('Liveness: the process answers', json('HealthResponse'))
  livez() {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Doc('Readiness: kernels can be started', json('HealthResponse'), Fails.kernelsUnavailable)
  async readyz() {
    if (!(await this.jupyter.ready())) throw kernelUnavailable(this.jupyter.unavailableReason());
    return { status: 'ready' };
  }
}
