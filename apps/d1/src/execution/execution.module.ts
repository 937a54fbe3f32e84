import { Global, Module } from '@nestjs/common';
import { KernelOwners } from '../kernels/kernel-owners';
import { KernelsModule } from '../kernels/kernels.module';
import { NotebooksModule } from '../notebooks/notebooks.module';
import { ExecutionController } from './execution.controller';
import { ExecutionService } from './execution.service';
import { KernelRequests } from './kernel-requests';
import { NotebookKernels } from './notebook-kernels';
import { NotebookSession } from './notebook-session.service';
import { NotebookReattach } from './reattach.service';

/**
 * Runs open notebooks: the kernel of each (started and stopped as notebooks open and close), the execution
 * queue, and kernel requests beside it. Global only for KernelOwners, which the /kernels routes below
 * this module ask which kernel a notebook uuid names.
 */
@Global()
@Module({
  imports: [NotebooksModule, KernelsModule],
  controllers: [ExecutionController],
  providers: [
    NotebookKernels,
    { provide: KernelOwners, useExisting: NotebookKernels },
    ExecutionService,
    KernelRequests,
    NotebookSession,
    NotebookReattach,
  ],
  exports: [KernelOwners, ExecutionService, NotebookSession],
})
export class ExecutionModule {}
