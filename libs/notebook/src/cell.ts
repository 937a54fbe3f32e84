import { CellOutputs } from './outputs';
import type { DisplayIndex } from './display-index';
import type { CellJson, CellType, ExecutionState, JsonObject, Output } from './types';

/** What a cell needs from its notebook. */
export type CellContext = {
  readonly notebookUuid: string;
  readonly maxOutputBytes: number;
  readonly displays: DisplayIndex;
};

/** A cell's content, detached from the notebook (undo history keeps these). Outputs are shared, never mutated. */
export type CellSnapshot = {
  readonly uuid: string;
  readonly cellType: CellType;
  readonly source: string;
  readonly metadata: JsonObject;
  readonly attachments?: JsonObject;
  readonly outputs: readonly Output[];
  readonly executionCount: number | null;
};

/** One cell of a NotebookModel. `metadata` never holds `jupyter_d1`: that is generated on output. */
export class Cell {
  position = 0;
  executionState: ExecutionState = 'idle';
  executionCount: number | null = null;
  outputs: CellOutputs | null = null;
  private type: CellType;

  constructor(
    readonly uuid: string,
    type: CellType,
    public source: string,
    public metadata: JsonObject,
    public attachments: JsonObject | undefined,
    private readonly context: CellContext,
  ) {
    this.type = type;
    if (type === 'code') this.outputs = this.newOutputs([]);
  }

  /** Rebuilds a cell from a snapshot; it comes back idle. */
  static fromSnapshot(snapshot: CellSnapshot, context: CellContext): Cell {
    const { uuid, cellType, source, metadata, attachments } = snapshot;
    const cell = new Cell(uuid, cellType, source, metadata, attachments, context);
    cell.restoreOutputs(snapshot);
    return cell;
  }

  get cellType(): CellType {
    return this.type;
  }

  /** Changes the type: code cells gain empty outputs, other cells lose outputs and execution_count. */
  set cellType(type: CellType) {
    if (type === this.type) return;
    this.type = type;
    this.outputs?.reset();
    this.outputs = type === 'code' ? this.newOutputs([]) : null;
    this.executionCount = null;
  }

  /** Puts back outputs and execution_count from a snapshot (code cells only). */
  restoreOutputs(snapshot: CellSnapshot): void {
    if (this.type !== 'code') return;
    this.outputs?.reset();
    this.outputs = this.newOutputs(snapshot.outputs);
    this.executionCount = snapshot.executionCount;
  }

  /** Detached copy of the content. */
  snapshot(): CellSnapshot {
    const { uuid, source, metadata, attachments, executionCount } = this;
    const outputs = this.outputs ? [...this.outputs.list] : [];
    const base = { uuid, cellType: this.type, source, metadata, outputs, executionCount };
    return attachments === undefined ? base : { ...base, attachments };
  }

  /** The nbformat 4.5 cell with d1's metadata. Outputs are shared: treat them as read-only. */
  toJson(): CellJson {
    const jupyter_d1 = {
      uuid: this.uuid,
      notebook_uuid: this.context.notebookUuid,
      position: this.position,
      execution_state: this.executionState,
    };
    const { uuid: id, source } = this;
    const metadata = { ...this.metadata, jupyter_d1 };
    if (this.type === 'code') {
      const outputs = this.outputs ? [...this.outputs.list] : [];
      return { id, cell_type: 'code', source, metadata, outputs, execution_count: this.executionCount };
    }
    const cell = { id, cell_type: this.type, source, metadata };
    return this.attachments === undefined ? cell : { ...cell, attachments: this.attachments };
  }

  /** Drops everything this cell registered with the notebook (before it leaves it). */
  dispose(): void {
    this.outputs?.reset();
  }

  private newOutputs(items: readonly Output[]): CellOutputs {
    const { maxOutputBytes, displays } = this.context;
    return new CellOutputs(items, maxOutputBytes, displays.trackerFor(this.uuid));
  }
}
