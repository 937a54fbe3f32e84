import { Module } from '@nestjs/common';
import { ServerModule } from '../server/server.module';
import { KernelsController } from './kernels.controller';
import { KernelsService } from './kernels.service';

@Module({
  imports: [ServerModule],
  controllers: [KernelsController],
  providers: [KernelsService],
  exports: [KernelsService],
})
export class KernelsModule {}
