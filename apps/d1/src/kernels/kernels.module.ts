import { Module } from '@nestjs/common';
import { ServerModule } from '../server/server.module';
import { KernelPool } from './kernel-pool';
import { KernelsController } from './kernels.controller';
import { KernelsService } from './kernels.service';

@Module({
  imports: [ServerModule],
  controllers: [KernelsController],
  providers: [KernelsService, KernelPool],
  exports: [KernelsService, KernelPool],
})
export class KernelsModule {}
