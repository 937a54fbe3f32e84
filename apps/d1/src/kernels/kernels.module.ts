import { Module } from '@nestjs/common';
import { JupyterService } from './jupyter.service';
import { KernelPool } from './kernel-pool';
import { KernelsController } from './kernels.controller';
import { KernelsService } from './kernels.service';

/** The kernel service (embedded Jupyter Server or a gateway) and its relay, kernel specs and headless kernels. */
@Module({
  controllers: [KernelsController],
  providers: [JupyterService, KernelsService, KernelPool],
  exports: [JupyterService, KernelsService, KernelPool],
})
export class KernelsModule {}
