import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Read, Write } from '../auth/access.decorator';
import { GetOrPost } from '../common/get-or-post.decorator';
import { KernelOwners } from './kernel-owners';
import { KernelPool } from './kernel-pool';
import { ExecuteCodeDto, StartKernelDto } from './kernels.dto';
import { KernelsService } from './kernels.service';
import { streamNdjson } from './ndjson';
import { Fails } from '../common/openapi-errors';
import { Doc, empty, json, ndjson } from '../common/openapi.decorators';

/** d1's kernel routes plus the headless kernel API. */
@ApiTags('kernels')
@Controller('kernels')
export class KernelsController {
  constructor(
    private readonly kernels: KernelsService,
    private readonly pool: KernelPool,
    private readonly owners: KernelOwners,
  ) {}

  /** The kernel a route's id names: a notebook uuid (once its kernel is ready) or a kernel id. */
  private async kernelId(id: string): Promise<string> {
    return (await this.owners.kernelIdOf(id)) ?? id;
  }

  @Get('specs')
  @Read()
  @Doc(
    "The kernel specs, in d1's order (python first, the preferred spec first)",
    json('KernelSpecsResponse'),
    Fails.kernelsUnavailable,
  )
  async specs() {
    return { kernel_specs: await this.kernels.specs() };
  }

  @Get('pool')
  @Read()
  @Doc(
    'The kernel pool: started kernels of the default spec kept ready for notebooks',
    json('KernelPoolResponse'),
  )
  poolStatus() {
    return { kernel_pool: this.pool.status() };
  }

  @Get('idle')
  @Read()
  @Doc('Whether nothing runs or waits to run, server-wide', json('KernelIdleResponse'))
  idle() {
    return this.kernels.idle();
  }

  @Get('is_alive/:id')
  @Read()
  @Doc('Whether a kernel exists and is not dead', json('KernelAliveResponse'), Fails.kernelsUnavailable)
  isAlive(@Param('id') id: string) {
    return this.kernels.isAlive(id, this.kernelId(id));
  }

  @GetOrPost('shutdown/:id')
  @Write()
  @HttpCode(204)
  @Doc('Shuts a kernel down; no notebook state changes', empty(), Fails.noKernel, Fails.kernelsUnavailable)
  async shutdownD1(@Param('id') id: string): Promise<void> {
    await this.kernels.shutdown(id, this.kernelId(id));
  }

  @GetOrPost('restart/:id')
  @Write()
  @HttpCode(204)
  @Doc('Restarts a kernel; no notebook state changes', empty(), Fails.noKernel, Fails.kernelsUnavailable)
  async restartD1(@Param('id') id: string): Promise<void> {
    await this.kernels.restart(id, this.kernelId(id));
  }

  @GetOrPost('interrupt/:id')
  @Write()
  @HttpCode(204)
  @Doc('Interrupts a kernel; no notebook state changes', empty(), Fails.noKernel, Fails.kernelsUnavailable)
  async interruptD1(@Param('id') id: string): Promise<void> {
    await this.kernels.interrupt(id, this.kernelId(id));
  }

  @Post()
  @Write()
  @HttpCode(201)
  @Doc(
    'Starts a kernel that belongs to no notebook',
    json('KernelModel', 201),
    Fails.unknownSpec,
    Fails.kernelsUnavailable,
  )
  start(@Body() body: StartKernelDto) {
    return this.kernels.start(body.name);
  }

  @Get()
  @Read()
  @Doc('The running kernels', json('KernelModelList'), Fails.kernelsUnavailable)
  list() {
    return this.kernels.list();
  }

  @Get(':id')
  @Read()
  @Doc('One running kernel', json('KernelModel'), Fails.noKernel, Fails.kernelsUnavailable)
  get(@Param('id') id: string) {
    return this.kernels.get(id, this.kernelId(id));
  }

  @Delete(':id')
  @Write()
  @HttpCode(204)
  @Doc('Shuts a kernel down', empty(), Fails.noKernel, Fails.kernelsUnavailable)
  async delete(@Param('id') id: string): Promise<void> {
    await this.kernels.shutdown(id, this.kernelId(id));
  }

  @Post(':id/interrupt')
  @Write()
  @HttpCode(204)
  @Doc('Interrupts a kernel', empty(), Fails.noKernel, Fails.kernelsUnavailable)
  async interrupt(@Param('id') id: string): Promise<void> {
    await this.kernels.interrupt(id, this.kernelId(id));
  }

  @Post(':id/restart')
  @Write()
  @HttpCode(204)
  @Doc('Restarts a kernel', empty(), Fails.noKernel, Fails.kernelsUnavailable)
  async restart(@Param('id') id: string): Promise<void> {
    await this.kernels.restart(id, this.kernelId(id));
  }

  @Post(':id/execute')
  @Write()
  @Doc(
    'Runs code on a kernel and streams its messages until execute_reply and idle',
    ndjson(
      'KernelStreamLine',
      'One kernel message per line; a failure after the start ends it with a d1_error line',
    ),
    Fails.noKernel,
    Fails.kernelsUnavailable,
  )
  async execute(
    @Param('id') id: string,
    @Body() body: ExecuteCodeDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const kernelId = this.kernelId(id);
    await this.kernels.get(id, kernelId);
    await streamNdjson(reply, (emit) => this.kernels.execute(id, kernelId, body.code, emit));
  }
}
