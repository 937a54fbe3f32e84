import { Cell, type CellContext } from './cell';
import { CellList } from './cell-list';
import { DisplayIndex } from './display-index';
import { fail, jsonObject } from './json-check';
import { outputEventFromMessage, type OutputEvent } from './messages';
import { DEFAULT_MAX_OUTPUT_BYTES } from './outputs';
import { parseMimeBundle, parseOutput } from './validate-output';
import {
  EXECUTION_STATES,
  type CellJson,
  type ExecutionState,
  type JsonObject,
  type JupyterMessage,
  type MimeBundle,
  type NotebookJson,
  type Output,
} from './types';

/**
 * Identity, metadata, version, reads, outputs and execution bookkeeping of a notebook. The structural
 * edits and undo live in NotebookModel, which extends this.
 */
export abstract class NotebookState {
  /** nbformat version of everything the model produces. */
  readonly nbformat = 4;
  readonly nbformatMinor = 5;
  protected readonly cells = new CellList();
  protected readonly context: CellContext;
  private metadataJson: JsonObject;
  private versionCounter = 0;

  protected constructor(
    readonly uuid: string,
    metadata: JsonObject,
    readonly maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES,
  ) {
    this.metadataJson = metadata;
    this.context = { notebookUuid: uuid, maxOutputBytes, displays: new DisplayIndex() };
  }

  /** Grows by exactly 1 with every call that changes the notebook. */
  get version(): number {
    return this.versionCounter;
  }

  /** Notebook metadata, with `jupyter_d1.uuid` always equal to the notebook's uuid. */
  get metadata(): JsonObject {
    const d1 = this.metadataJson.jupyter_d1;
    const base = typeof d1 === 'object' && d1 !== null && !Array.isArray(d1) ? d1 : {};
    return { ...this.metadataJson, jupyter_d1: { ...base, uuid: this.uuid } };
  }

  /** Replaces the notebook metadata (the uuid in `jupyter_d1` cannot be changed this way). */
  setMetadata(metadata: JsonObject): void {
    this.metadataJson = jsonObject(metadata, 'metadata');
    this.bump();
  }

  /** Number of cells. */
  get cellCount(): number {
    return this.cells.length;
  }

  /** Cell uuids in order. */
  cellUuids(): string[] {
    return this.cells.all.map((cell) => cell.uuid);
  }

  /** True when the notebook has this cell. */
  hasCell(uuid: string): boolean {
    return this.cells.has(uuid);
  }

  /** One cell as nbformat 4.5 JSON (throws CellNotFoundError). */
  getCell(uuid: string): CellJson {
    return this.cells.get(uuid).toJson();
  }

  /** Every cell as nbformat 4.5 JSON, in order. */
  cellsJson(): CellJson[] {
    return this.cells.all.map((cell) => cell.toJson());
  }

  /** The whole notebook as nbformat 4.5. Output objects are shared with the model: do not mutate them. */
  toJson(): NotebookJson {
    return { cells: this.cellsJson(), metadata: this.metadata, nbformat: 4, nbformat_minor: 5 };
  }

  /** The notebook as written to disk: valid nbformat 4.5, d1's metadata included (as d1 writes it). */
  toFileJson(): NotebookJson {
    return this.toJson();
  }

  /** Applies an iopub message to a cell's outputs; returns the uuids of the cells that changed. */
  applyMessage(cellUuid: string, msg: JupyterMessage): string[] {
    const event = outputEventFromMessage(msg);
    // Display updates address the whole notebook, so they still apply if the sending cell is gone.
    if (event?.kind === 'update') return this.updateDisplays(event.displayId, event.data, event.metadata);
    const cell = this.cells.get(cellUuid);
    return event ? this.applyEvent(cell, event) : [];
  }

  /** Appends stream text (merged, with `\r` and `\b` applied); returns the uuids of changed cells. */
  appendStream(cellUuid: string, name: string, text: string): string[] {
    if (typeof name !== 'string') fail('name', 'must be a string');
    if (typeof text !== 'string') fail('text', 'must be a string');
    return this.applyEvent(this.cells.get(cellUuid), { kind: 'stream', name, text });
  }

  /** Appends a non-stream output, tracked under `displayId` if given; returns the uuids of changed cells. */
  appendOutput(cellUuid: string, output: Output, displayId?: string): string[] {
    const cell = this.cells.get(cellUuid);
    const parsed = parseOutput(output, 'output');
    if (parsed.output_type === 'stream') return this.appendStream(cellUuid, parsed.name, parsed.text);
    return this.applyEvent(cell, { kind: 'output', output: parsed, displayId });
  }

  /** clear_output for a cell (`wait`: just before its next output); returns the uuids of changed cells. */
  clearOutput(cellUuid: string, wait: boolean): string[] {
    return this.applyEvent(this.cells.get(cellUuid), { kind: 'clear', wait });
  }

  /** update_display_data: every output of the notebook shown under `displayId`; returns changed cells. */
  updateDisplayData(displayId: string, data: MimeBundle, metadata: JsonObject): string[] {
    if (typeof displayId !== 'string') fail('display_id', 'must be a string');
    return this.updateDisplays(displayId, parseMimeBundle(data, 'data'), jsonObject(metadata, 'metadata'));
  }

  private updateDisplays(displayId: string, data: MimeBundle, metadata: JsonObject): string[] {
    const changed = this.context.displays
      .cellsShowing(displayId)
      .filter((uuid) => this.cells.has(uuid))
      .map((uuid) => this.cells.get(uuid))
      .filter((cell) => cell.outputs?.updateDisplay(displayId, data, metadata));
    if (changed.length > 0) this.bump();
    return changed.sort((a, b) => a.position - b.position).map((cell) => cell.uuid);
  }

  /** A new run of the cell: outputs and execution_count cleared, stream and cap state reset. */
  startExecution(cellUuid: string): string {
    const cell = this.cells.get(cellUuid);
    cell.outputs?.reset();
    cell.executionCount = null;
    this.bump();
    return cell.uuid;
  }

  /** Sets `metadata.jupyter_d1.execution_state`. */
  setExecutionState(cellUuid: string, state: ExecutionState): string {
    if (!EXECUTION_STATES.includes(state))
      fail('execution_state', `must be one of ${EXECUTION_STATES.join(', ')}`);
    this.cells.get(cellUuid).executionState = state;
    this.bump();
    return cellUuid;
  }

  /** Sets the cell's execution_count (code cells; other cells have none). */
  setExecutionCount(cellUuid: string, count: number | null): string {
    if (count !== null && !(Number.isInteger(count) && count >= 0)) {
      fail('execution_count', 'must be a non-negative integer or null');
    }
    const cell = this.cells.get(cellUuid);
    if (cell.cellType === 'code') cell.executionCount = count;
    this.bump();
    return cellUuid;
  }

  /** Every cell back to idle (after a kernel restart or death); returns the uuids that changed. */
  setAllIdle(): string[] {
    const busy = this.cells.all.filter((cell) => cell.executionState !== 'idle');
    for (const cell of busy) cell.executionState = 'idle';
    if (busy.length > 0) this.bump();
    return busy.map((cell) => cell.uuid);
  }

  protected bump(): void {
    this.versionCounter += 1;
  }

  private applyEvent(cell: Cell, event: OutputEvent): string[] {
    if (event.kind === 'update') return this.updateDisplays(event.displayId, event.data, event.metadata);
    const outputs = cell.outputs;
    // d1 sends markdown cells to the kernel if asked to; whatever they print has nowhere to go.
    if (!outputs) return [];
    let changed: boolean;
    if (event.kind === 'stream') changed = outputs.appendStream(event.name, event.text);
    else if (event.kind === 'clear') changed = outputs.clear(event.wait);
    else {
      changed = outputs.append(event.output, event.displayId);
      if (event.output.output_type === 'execute_result' && event.output.execution_count !== null) {
        changed = cell.executionCount !== event.output.execution_count || changed;
        cell.executionCount = event.output.execution_count;
      }
    }
    if (!changed) return [];
    this.bump();
    return [cell.uuid];
  }
}
