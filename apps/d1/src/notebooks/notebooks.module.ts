import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module';
import { KernelsModule } from '../kernels/kernels.module';
import { CellsController } from './cells.controller';
import { CellsService } from './cells.service';
import { ExecutionController } from './execution.controller';
import { ExecutionService } from './execution.service';
import { NotebookFileChanges } from './file-changes';
import { NotebookFileWatch } from './file-changes-watch.service';
import { KernelRequests } from './kernel-requests';
import { NotebookSession } from './notebook-session.service';
import { NotebookKernels } from './notebook-kernels';
import { NotebooksController } from './notebooks.controller';
import { NotebooksService } from './notebooks.service';
import { NotebookReattach } from './reattach.service';

/** Open notebooks, their cells, kernels and files. */
@Module({
  imports: [KernelsModule, FilesModule],
  controllers: [NotebooksController, CellsController, ExecutionController],
  providers: [
    NotebooksService,
    CellsService,
    NotebookKernels,
    ExecutionService,
    KernelRequests,
    NotebookSession,
    NotebookFileChanges,
    NotebookFileWatch,
    NotebookReattach,
  ],
  exports: [NotebooksService, CellsService, ExecutionService, NotebookSession],
})
export class NotebooksModule {}
