import { Injectable } from '@nestjs/common';
import type { CellJson } from '@d1/notebook';
import { notebookMessage } from '../events/messages';
import { NotebookEvents } from '../events/notebook-events';
import type { AddCellBody, PatchCellBody } from './notebooks.dto';
import type { OpenNotebook } from './open-notebook';
import { NotebooksService } from './notebooks.service';

/** d1's cell operations on an open notebook: each edits the model, broadcasts as the original d1 does and autosaves. */
@Injectable()
export class CellsService {
  constructor(
    private readonly notebooks: NotebooksService,
    private readonly events: NotebookEvents,
  ) {}

  /** Every cell, in order. */
  list(uuid: string): CellJson[] {
    return this.notebooks.get(uuid).model.cellsJson();
  }

  /** One cell (404 CELL_NOT_FOUND). */
  get(uuid: string, cell: string): CellJson {
    return this.notebooks.get(uuid).model.getCell(cell);
  }

  /** Inserts a cell; broadcasts `cell_add` with all cells. */
  add(uuid: string, body: AddCellBody): CellJson {
    const nb = this.notebooks.get(uuid);
    const before = body.before?.toLowerCase();
    const cell = nb.model.addCell({ cell_type: body.cell_type, source: body.source, before });
    this.changed(nb, 'cell_add');
    return cell;
  }

  /** Changes source and/or type; broadcasts `cell_update` with the cell. */
  patch(uuid: string, cellUuid: string, body: PatchCellBody): CellJson {
    const nb = this.notebooks.get(uuid);
    const cell = nb.model.patchCell(cellUuid, { source: body.source, cell_type: body.cell_type });
    this.events.emit(nb.uuid, { cell_update: [cell] });
    this.notebooks.markChanged(nb);
    return cell;
  }

  /** Removes a cell; broadcasts `cell_delete` with the remaining cells. */
  delete(uuid: string, cellUuid: string): void {
    const nb = this.notebooks.get(uuid);
    nb.model.deleteCell(cellUuid);
    this.changed(nb, 'cell_delete');
  }

  /** Moves a cell before another, or to the end; broadcasts `cell_update` with all cells. */
  move(uuid: string, cellUuid: string, before?: string): void {
    const nb = this.notebooks.get(uuid);
    nb.model.moveCell(cellUuid, before?.toLowerCase());
    this.changed(nb, 'cell_update');
  }

  /** Joins a cell with its neighbour below (or above); nothing happens without one. */
  merge(uuid: string, cellUuid: string, above: boolean): void {
    const nb = this.notebooks.get(uuid);
    if (nb.model.mergeCell(cellUuid, above)) this.changed(nb, 'cell_delete');
  }

  /** Splits a cell's source at a character offset; broadcasts `cell_update` with all cells. */
  split(uuid: string, cellUuid: string, location: number): void {
    const nb = this.notebooks.get(uuid);
    nb.model.splitCell(cellUuid, location);
    this.changed(nb, 'cell_update');
  }

  /** Clears one cell's outputs (no autosave of its own, as in the original d1). */
  clear(uuid: string, cellUuid: string): void {
    const nb = this.notebooks.get(uuid);
    this.events.emit(nb.uuid, { cell_update: [nb.model.clearCell(cellUuid)] });
  }

  /** Clears every cell: one `cell_update` per cell, in order. */
  clearAll(uuid: string): void {
    const nb = this.notebooks.get(uuid);
    nb.model.clearAll();
    for (const cell of nb.model.cellsJson()) this.events.emit(nb.uuid, { cell_update: [cell] });
  }

  /** Undoes the last edit, if any; the broadcast says whether cells came, went or changed. */
  undo(uuid: string): void {
    this.history(uuid, (nb) => nb.model.undo());
  }

  /** Redoes the last undone edit, if any. */
  redo(uuid: string): void {
    this.history(uuid, (nb) => nb.model.redo());
  }

  private history(uuid: string, step: (nb: OpenNotebook) => boolean): void {
    const nb = this.notebooks.get(uuid);
    const before = nb.model.cellCount;
    if (!step(nb)) return;
    const after = nb.model.cellCount;
    this.changed(nb, after > before ? 'cell_add' : after < before ? 'cell_delete' : 'cell_update');
  }

  private changed(nb: OpenNotebook, key: 'cell_add' | 'cell_delete' | 'cell_update'): void {
    this.events.emit(nb.uuid, notebookMessage(key, nb.model.cellsJson()));
    this.notebooks.markChanged(nb);
  }
}
