import { Cell } from './cell';
import { isUuid, newUuid } from './ids';
import { fail, isObject } from './json-check';
import { NotebookState } from './notebook-state';
import { UndoHistory, type UndoAction, type UndoStep } from './undo';
import { parseNotebook } from './validate';
import {
  CELL_TYPES,
  type CellJson,
  type CellType,
  type JsonObject,
  type ParsedCell,
  type ParsedNotebook,
} from './types';

export type NotebookModelOptions = {
  /** Use this notebook uuid (wins over `newUuid`). */
  notebookUuid?: string;
  /** Assign a fresh notebook uuid instead of keeping `metadata.jupyter_d1.uuid` (d1 does on every open). */
  newUuid: boolean;
  /** Cap on the outputs of one cell, in bytes (default 2 MiB). */
  maxOutputBytes?: number;
  /** Number of edits kept for undo (default 500). */
  undoLimit?: number;
};
export type AddCellOptions = { cell_type?: CellType; source?: string; before?: string };
export type CellPatch = { source?: string; cell_type?: CellType };

const EMPTY_NOTEBOOK: ParsedNotebook = { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 };

/** A notebook held in memory: cells with d1 semantics, outputs, undo/redo and a version counter. */
export class NotebookModel extends NotebookState {
  private readonly history: UndoHistory;

  private constructor(uuid: string, metadata: JsonObject, options: NotebookModelOptions) {
    super(uuid, metadata, options.maxOutputBytes);
    this.history = new UndoHistory(options.undoLimit);
  }

  /**
   * Opens a parsed notebook with d1's reset-on-open rules (idle cells, execution_count null, outputs kept).
   * Cell uuids come from `metadata.jupyter_d1.uuid`, else a UUID-shaped `id`, else are new; a repeated uuid
   * gets a new one. The model takes ownership of `nb` (pass a fresh parse).
   */
  static fromJson(nb: ParsedNotebook, options: NotebookModelOptions): NotebookModel {
    const d1 = isObject(nb.metadata.jupyter_d1) ? nb.metadata.jupyter_d1 : {};
    const kept = !options.newUuid && isUuid(d1.uuid) ? d1.uuid.toLowerCase() : undefined;
    const model = new NotebookModel(options.notebookUuid ?? kept ?? newUuid(), nb.metadata, options);
    const seen = new Set<string>();
    for (const cell of nb.cells) model.cells.insert(model.openCell(cell, seen));
    return model;
  }

  /** parseNotebook + fromJson: throws NotebookFormatError for anything that is not nbformat 4. */
  static parse(json: unknown, options: NotebookModelOptions): NotebookModel {
    return NotebookModel.fromJson(parseNotebook(json), options);
  }

  /** A notebook with no cells. */
  static empty(options: Omit<NotebookModelOptions, 'newUuid'> = {}): NotebookModel {
    return NotebookModel.fromJson(structuredClone(EMPTY_NOTEBOOK), { ...options, newUuid: true });
  }

  /** Inserts a new cell before `before`, or at the end. */
  addCell(options: AddCellOptions = {}): CellJson {
    if (!isObject(options)) fail('cell', 'must be an object');
    const type = checkType(options.cell_type ?? 'code');
    const source = checkSource(options.source ?? '');
    const index = options.before === undefined ? this.cells.length : this.cells.get(options.before).position;
    const cell = new Cell(newUuid(), type, source, {}, undefined, this.context);
    this.cells.insert(cell, index);
    this.record({
      undo: [{ kind: 'remove', uuid: cell.uuid }],
      redo: [{ kind: 'insert', cell: cell.snapshot(), index }],
    });
    return cell.toJson();
  }

  /** Changes source and/or type; outputs and execution_count are kept unless the cell stops being code. */
  patchCell(uuid: string, patch: CellPatch): CellJson {
    const cell = this.cells.get(uuid);
    if (!isObject(patch)) fail('patch', 'must be an object');
    const source = patch.source === undefined ? cell.source : checkSource(patch.source);
    const type = patch.cell_type === undefined ? cell.cellType : checkType(patch.cell_type);
    if (source === cell.source && type === cell.cellType) return cell.toJson();
    const before = cell.snapshot();
    cell.source = source;
    cell.cellType = type;
    this.record({
      undo: [{ kind: 'restore', cell: before }],
      redo: [{ kind: 'restore', cell: cell.snapshot() }],
    });
    return cell.toJson();
  }

  /** Removes a cell; positions after it move up. */
  deleteCell(uuid: string): void {
    const snapshot = this.cells.get(uuid).snapshot();
    const index = this.cells.remove(uuid);
    this.record({ undo: [{ kind: 'insert', cell: snapshot, index }], redo: [{ kind: 'remove', uuid }] });
  }

  /** Moves a cell before `before`, or to the end. False when it is already there. */
  moveCell(uuid: string, before?: string): boolean {
    const from = this.cells.get(uuid).position;
    const target = before === undefined ? this.cells.length : this.cells.get(before).position;
    const to = target > from ? target - 1 : target;
    if (to === from) return false;
    this.cells.move(uuid, to);
    this.record({ undo: [{ kind: 'move', uuid, index: from }], redo: [{ kind: 'move', uuid, index: to }] });
    return true;
  }

  /**
   * Joins a cell with the one below (or above) as `"<upper>\n<lower>"`; the cell keeps its uuid, type and
   * outputs, the neighbour goes. False (nothing done) when there is no such neighbour.
   */
  mergeCell(uuid: string, above = false): boolean {
    const cell = this.cells.get(uuid);
    const other = this.cells.at(cell.position + (above ? -1 : 1));
    if (!other) return false;
    const before = cell.snapshot();
    const removed = other.snapshot();
    const index = other.position;
    cell.source = above ? `${other.source}\n${cell.source}` : `${cell.source}\n${other.source}`;
    this.cells.remove(other.uuid);
    const undo: UndoStep[] = [
      { kind: 'restore', cell: before },
      { kind: 'insert', cell: removed, index },
    ];
    const redo: UndoStep[] = [
      { kind: 'restore', cell: cell.snapshot() },
      { kind: 'remove', uuid: other.uuid },
    ];
    this.record({ undo, redo });
    return true;
  }

  /**
   * Splits a cell's source at `location` (in characters, clamped): the cell keeps the head, a new cell of
   * the same type right after it gets the rest. Returns the new cell.
   */
  splitCell(uuid: string, location: number): CellJson {
    const cell = this.cells.get(uuid);
    if (typeof location !== 'number' || Number.isNaN(location)) fail('split_location', 'must be a number');
    const [head, tail] = splitAt(cell.source, location);
    const before = cell.snapshot();
    cell.source = head;
    const added = new Cell(newUuid(), cell.cellType, tail, {}, undefined, this.context);
    const index = cell.position + 1;
    this.cells.insert(added, index);
    const undo: UndoStep[] = [
      { kind: 'restore', cell: before },
      { kind: 'remove', uuid: added.uuid },
    ];
    const redo: UndoStep[] = [
      { kind: 'restore', cell: cell.snapshot() },
      { kind: 'insert', cell: added.snapshot(), index },
    ];
    this.record({ undo, redo });
    return added.toJson();
  }

  /** Empties outputs, execution_count null, state idle. Not an undoable edit (as in d1). */
  clearCell(uuid: string): CellJson {
    const cell = this.cells.get(uuid);
    clear(cell);
    this.bump();
    return cell.toJson();
  }

  /** clearCell for every cell. */
  clearAll(): void {
    this.cells.all.forEach(clear);
    this.bump();
  }

  /** Reverts the last edit. False when there is none, or when it no longer applies (both stacks reset). */
  undo(): boolean {
    const action = this.history.takeUndo();
    if (!action) return false;
    if (!this.cells.canApply(action.undo)) return this.resetHistory();
    this.cells.apply(action.undo, this.context);
    this.history.undone(action);
    this.bump();
    return true;
  }

  /** Re-applies the last undone edit. False when there is none, or when it no longer applies. */
  redo(): boolean {
    const action = this.history.takeRedo();
    if (!action) return false;
    if (!this.cells.canApply(action.redo)) return this.resetHistory();
    this.cells.apply(action.redo, this.context);
    this.history.redone(action);
    this.bump();
    return true;
  }

  /**
   * Replaces every cell and the metadata with those of `json` (a reload from disk). The notebook is validated
   * first, so an invalid one changes nothing (NotebookFormatError); the uuid stays and undo history starts over.
   */
  replaceContent(json: unknown): void {
    const nb = parseNotebook(json);
    for (const uuid of this.cellUuids()) this.cells.remove(uuid);
    const seen = new Set<string>();
    for (const cell of nb.cells) this.cells.insert(this.openCell(cell, seen));
    this.setMetadata(nb.metadata);
    this.history.reset();
    this.bump();
  }

  /** Sizes of the undo and redo stacks. */
  get undoDepth(): { undo: number; redo: number } {
    return this.history.depth;
  }

  private record(action: UndoAction): void {
    this.history.record(action);
    this.bump();
  }

  private resetHistory(): false {
    this.history.reset();
    return false;
  }

  private openCell(parsed: ParsedCell, seen: Set<string>): Cell {
    const { jupyter_d1: d1, ...metadata } = parsed.metadata;
    const candidate = isObject(d1) && isUuid(d1.uuid) ? d1.uuid : isUuid(parsed.id) ? parsed.id : undefined;
    const wanted = candidate?.toLowerCase();
    const uuid = wanted === undefined || seen.has(wanted) ? newUuid() : wanted;
    seen.add(uuid);
    const attachments = parsed.cell_type === 'code' ? undefined : parsed.attachments;
    const cell = new Cell(uuid, parsed.cell_type, parsed.source, metadata, attachments, this.context);
    if (parsed.cell_type === 'code') {
      cell.restoreOutputs({ ...cell.snapshot(), outputs: parsed.outputs, executionCount: null });
    }
    return cell;
  }
}

function clear(cell: Cell): void {
  cell.outputs?.reset();
  cell.executionCount = null;
  cell.executionState = 'idle';
}

function checkType(type: unknown): CellType {
  if (!CELL_TYPES.includes(type as CellType)) fail('cell_type', `must be one of ${CELL_TYPES.join(', ')}`);
  return type as CellType;
}

function checkSource(source: unknown): string {
  if (typeof source !== 'string') fail('source', 'must be a string');
  return source;
}

/** Splits at a character offset counted in code points, as d1 (Python) counts them. */
function splitAt(source: string, location: number): [string, string] {
  const chars = /[\uD800-\uDFFF]/.test(source) ? Array.from(source) : null;
  const length = chars ? chars.length : source.length;
  const at = Math.max(0, Math.min(Math.trunc(location), length));
  if (!chars) return [source.slice(0, at), source.slice(at)];
  return [chars.slice(0, at).join(''), chars.slice(at).join('')];
}
