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
import { Fails } from '../common/openapi-errors';
import { Doc, empty, json } from '../common/openapi.decorators';

/** d1's cell routes under /notebooks/{uuid}. */
@ApiTags('cells')
@Controller('notebooks/:uuid')
export class CellsController {
  constructor(private readonly cells: CellsService) {}

  @Get('cells')
  @Read()
  @Doc('Every cell, in order', json('CellsResponse'))
  list(@Param('uuid', UuidPipe) uuid: string) {
    return { cells: this.cells.list(uuid) };
  }

  @Post('cells')
  @Write()
  @HttpCode(201)
  @Doc(
    'Inserts a cell before `before`, or at the end; clients get cell_add',
    json('CellResponse', 201),
    Fails.noBeforeCell,
  )
  add(@Param('uuid', UuidPipe) uuid: string, @D1Body(AddCellBody) body: AddCellBody) {
    return { cell: this.cells.add(uuid, body) };
  }

  @Get('cells/:cell_uuid')
  @Read()
  @Doc('One cell', json('CellResponse'))
  get(@Param('uuid', UuidPipe) uuid: string, @Param('cell_uuid', UuidPipe) cell: string) {
    return { cell: this.cells.get(uuid, cell) };
  }

  @Patch('cells/:cell_uuid')
  @Write()
  @Doc('Changes the source and/or type of a cell; outputs stay', json('CellPatchResponse'))
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
  @Doc('Deletes a cell; clients get cell_delete', empty())
  delete(@Param('uuid', UuidPipe) uuid: string, @Param('cell_uuid', UuidPipe) cell: string): void {
    this.cells.delete(uuid, cell);
  }

  @GetOrPost('cells/:cell_uuid/move')
  @Write()
  @HttpCode(204)
  @Doc('Moves a cell before `before`, or to the end', empty(), Fails.noBeforeCell)
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
  @Doc('Joins a cell with the one below (or above); nothing happens without one', empty())
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
  @Doc('Splits a cell at a character offset; the second part becomes a new cell after it', empty())
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
  @Doc("Clears a cell's outputs and execution count", empty())
  clear(@Param('uuid', UuidPipe) uuid: string, @Param('cell_uuid', UuidPipe) cell: string): void {
    this.cells.clear(uuid, cell);
  }

  @GetOrPost('clear_all')
  @Write()
  @HttpCode(204)
  @Doc('Clears every cell', empty())
  clearAll(@Param('uuid', UuidPipe) uuid: string): void {
    this.cells.clearAll(uuid);
  }

  @GetOrPost('undo')
  @Write()
  @HttpCode(204)
  @Doc('Undoes the last edit (also when there is none)', empty())
  undo(@Param('uuid', UuidPipe) uuid: string): void {
    this.cells.undo(uuid);
  }

  @GetOrPost('redo')
  @Write()
  @HttpCode(204)
  @Doc('Redoes the last undone edit (also when there is none)', empty())
  redo(@Param('uuid', UuidPipe) uuid: string): void {
    this.cells.redo(uuid);
  }
}
