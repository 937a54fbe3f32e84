import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module';
import { KernelsModule } from '../kernels/kernels.module';
import { CellsController } from './cells.controller';
import { CellsService } from './cells.service';
import { NotebookFileChanges } from './file-changes';
import { NotebookFileWatch } from './file-changes-watch.service';
import { NotebooksController } from './notebooks.controller';
import { NotebooksService } from './notebooks.service';

/** Open notebooks as documents: their cells, files and autosave. */
@Module({
  imports: [KernelsModule, FilesModule],
  controllers: [NotebooksController, CellsController],
  providers: [NotebooksService, CellsService, NotebookFileChanges, NotebookFileWatch],
  exports: [NotebooksService, CellsService],
})
export class NotebooksModule {}
