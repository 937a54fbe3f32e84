import { Cell, type CellContext } from './cell';
import { CellNotFoundError } from './errors';
import type { UndoStep } from './undo';

/** Ordered cells with lookup by uuid; positions are kept 0-based and contiguous. */
export class CellList {
  private order: Cell[] = [];
  private readonly byUuid = new Map<string, Cell>();

  get length(): number {
    return this.order.length;
  }

  /** All cells in order (shared, read-only). */
  get all(): readonly Cell[] {
    return this.order;
  }

  /** The cell with this uuid, or CellNotFoundError. */
  get(uuid: string): Cell {
    const cell = this.byUuid.get(uuid);
    if (!cell) throw new CellNotFoundError(uuid);
    return cell;
  }

  has(uuid: string): boolean {
    return this.byUuid.has(uuid);
  }

  /** The cell at `index`, if any. */
  at(index: number): Cell | undefined {
    return this.order[index];
  }

  /** Inserts at `index` (clamped to the list). */
  insert(cell: Cell, index = this.order.length): void {
    const at = Math.max(0, Math.min(index, this.order.length));
    this.order.splice(at, 0, cell);
    this.byUuid.set(cell.uuid, cell);
    this.renumber(at);
  }

  /** Removes a cell; returns where it was. */
  remove(uuid: string): number {
    const cell = this.get(uuid);
    const index = cell.position;
    this.order.splice(index, 1);
    this.byUuid.delete(uuid);
    cell.dispose();
    this.renumber(index);
    return index;
  }

  /** Moves a cell so that it ends at `index` (clamped). */
  move(uuid: string, index: number): void {
    const cell = this.get(uuid);
    const from = cell.position;
    this.order.splice(from, 1);
    const to = Math.max(0, Math.min(index, this.order.length));
    this.order.splice(to, 0, cell);
    this.renumber(Math.min(from, to));
  }

  /** True when every step finds (or, for insert, does not find) its cell, given the steps before it. */
  canApply(steps: readonly UndoStep[]): boolean {
    const added = new Set<string>();
    const removed = new Set<string>();
    const present = (uuid: string) => added.has(uuid) || (this.byUuid.has(uuid) && !removed.has(uuid));
    for (const step of steps) {
      const uuid = step.kind === 'insert' || step.kind === 'restore' ? step.cell.uuid : step.uuid;
      if (present(uuid) === (step.kind === 'insert')) return false;
      if (step.kind === 'insert') {
        added.add(uuid);
        removed.delete(uuid);
      } else if (step.kind === 'remove') {
        removed.add(uuid);
        added.delete(uuid);
      }
    }
    return true;
  }

  /** Applies undo/redo steps; check them with canApply first. */
  apply(steps: readonly UndoStep[], context: CellContext): void {
    for (const step of steps) {
      if (step.kind === 'insert') this.insert(Cell.fromSnapshot(step.cell, context), step.index);
      else if (step.kind === 'remove') this.remove(step.uuid);
      else if (step.kind === 'move') this.move(step.uuid, step.index);
      else restoreCell(this.get(step.cell.uuid), step.cell);
    }
  }

  private renumber(from: number): void {
    for (let i = from; i < this.order.length; i++) this.order[i].position = i;
  }
}

function restoreCell(cell: Cell, snapshot: Extract<UndoStep, { kind: 'restore' }>['cell']): void {
  const wasCode = cell.cellType === 'code';
  cell.source = snapshot.source;
  cell.cellType = snapshot.cellType;
  // Undoing a source edit keeps the live outputs; undoing a type change must bring back what it dropped.
  if (!wasCode && snapshot.cellType === 'code') cell.restoreOutputs(snapshot);
}
