import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Read, Write } from '../auth/access.decorator';
import { GetOrPost } from '../common/get-or-post.decorator';
import { KernelPool } from './kernel-pool';
import { ExecuteCodeDto, StartKernelDto } from './kernels.dto';
import { KernelsService } from './kernels.service';
import { streamNdjson } from './ndjson';

/** d1's kernel routes plus the headless kernel API. */
@ApiTags('kernels')
@Controller('kernels')
export class KernelsController {
  constructor(
    private readonly kernels: KernelsService,
    private readonly pool: KernelPool,
  ) {}

  @Get('specs')
  @Read()
  async specs() {
    return { kernel_specs: await this.kernels.specs() };
  }

  @Get('pool')
  @Read()
  poolStatus() {
    return { kernel_pool: this.pool.status() };
  }

  @Get('idle')
  @Read()
  idle() {
    return this.kernels.idle();
  }

  @Get('is_alive/:id')
  @Read()
  isAlive(@Param('id') id: string) {
    return this.kernels.isAlive(id);
  }

  @GetOrPost('shutdown/:id')
  @Write()
  @HttpCode(204)
  async shutdownD1(@Param('id') id: string): Promise<void> {
    await this.kernels.shutdown(id);
  }

  @GetOrPost('restart/:id')
  @Write()
  @HttpCode(204)
  async restartD1(@Param('id') id: string): Promise<void> {
    await this.kernels.restart(id);
  }

  @GetOrPost('interrupt/:id')
  @Write()
  @HttpCode(204)
  async interruptD1(@Param('id') id: string): Promise<void> {
    await this.kernels.interrupt(id);
  }

  @Post()
  @Write()
  @HttpCode(201)
  start(@Body() body: StartKernelDto) {
    return this.kernels.start(body.name);
  }

  @Get()
  @Read()
  list() {
    return this.kernels.list();
  }

  @Get(':id')
  @Read()
  get(@Param('id') id: string) {
    return this.kernels.get(id);
  }

  @Delete(':id')
  @Write()
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.kernels.shutdown(id);
  }

  @Post(':id/interrupt')
  @Write()
  @HttpCode(204)
  async interrupt(@Param('id') id: string): Promise<void> {
    await this.kernels.interrupt(id);
  }

  @Post(':id/restart')
  @Write()
  @HttpCode(204)
  async restart(@Param('id') id: string): Promise<void> {
    await this.kernels.restart(id);
  }

  @Post(':id/execute')
  @Write()
  async execute(
    @Param('id') id: string,
    @Body() body: ExecuteCodeDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.kernels.get(id);
    await streamNdjson(reply, (emit) => this.kernels.execute(id, body.code, emit));
  }
}
