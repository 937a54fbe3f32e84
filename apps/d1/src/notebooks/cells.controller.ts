import { Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Read, Write } from '../auth/access.decorator';
import { GetOrPost } from '../common/get-or-post.decorator';
import { CellsService } from './cells.service';
import {
  AddCellBody,
  D1Body,
  D1Query,
  MergeQuery,
  MoveQuery,
  PatchCellBody,
  SplitQuery,
  UuidPipe,
} from './notebooks.dto';

/** d1's cell routes under /notebooks/{uuid}. */
@ApiTags('cells')
@Controller('notebooks/:uuid')
export class CellsController {
  constructor(private readonly cells: CellsService) {}

  @Get('cells')
  @Read()
  list(@Param('uuid', UuidPipe) uuid: string) {
    return { cells: this.cells.list(uuid) };
  }

  @Post('cells')
  @Write()
  @HttpCode(201)
  add(@Param('uuid', UuidPipe) uuid: string, @D1Body(AddCellBody) body: AddCellBody) {
    return { cell: this.cells.add(uuid, body) };
  }

  @Get('cells/:cell_uuid')
  @Read()
  get(@Param('uuid', UuidPipe) uuid: string, @Param('cell_uuid', UuidPipe) cell: string) {
    return { cell: this.cells.get(uuid, cell) };
  }

  @Patch('cells/:cell_uuid')
  @Write()
  patch(
    @Param('uuid', UuidPipe) uuid: string,
    @Param('cell_uuid', UuidPipe) cell: string,
    @D1Body(PatchCellBody) body: PatchCellBody,
  ) {
    return { cell: this.cells.patch(uuid, cell, body), patch: null };
  }

  @Delete('cells/:cell_uuid')
  @Write()
  @HttpCode(204)
  delete(@Param('uuid', UuidPipe) uuid: string, @Param('cell_uuid', UuidPipe) cell: string): void {
    this.cells.delete(uuid, cell);
  }

  @GetOrPost('cells/:cell_uuid/move')
  @Write()
  @HttpCode(204)
  move(
    @Param('uuid', UuidPipe) uuid: string,
    @Param('cell_uuid', UuidPipe) cell: string,
    @D1Query(MoveQuery) q: MoveQuery,
  ): void {
    this.cells.move(uuid, cell, q.before);
  }

  @GetOrPost('cells/:cell_uuid/merge')
  @Write()
  @HttpCode(204)
  merge(
    @Param('uuid', UuidPipe) uuid: string,
    @Param('cell_uuid', UuidPipe) cell: string,
    @D1Query(MergeQuery) q: MergeQuery,
  ): void {
    this.cells.merge(uuid, cell, q.above ?? false);
  }

  @GetOrPost('cells/:cell_uuid/split')
  @Write()
  @HttpCode(204)
  split(
    @Param('uuid', UuidPipe) uuid: string,
    @Param('cell_uuid', UuidPipe) cell: string,
    @D1Query(SplitQuery) q: SplitQuery,
  ): void {
    this.cells.split(uuid, cell, q.split_location);
  }

  @GetOrPost('cells/:cell_uuid/clear')
  @Write()
  @HttpCode(204)
  clear(@Param('uuid', UuidPipe) uuid: string, @Param('cell_uuid', UuidPipe) cell: string): void {
    this.cells.clear(uuid, cell);
  }

  @GetOrPost('clear_all')
  @Write()
  @HttpCode(204)
  clearAll(@Param('uuid', UuidPipe) uuid: string): void {
    this.cells.clearAll(uuid);
  }

  @GetOrPost('undo')
  @Write()
  @HttpCode(204)
  undo(@Param('uuid', UuidPipe) uuid: string): void {
    this.cells.undo(uuid);
  }

  @GetOrPost('redo')
  @Write()
  @HttpCode(204)
  redo(@Param('uuid', UuidPipe) uuid: string): void {
    this.cells.redo(uuid);
  }
}
