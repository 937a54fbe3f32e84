import type { CellSnapshot } from './cell';

/** One primitive change, expressed so that it can be re-applied later (by uuid and index). */
export type UndoStep =
  | { readonly kind: 'insert'; readonly cell: CellSnapshot; readonly index: number }
  | { readonly kind: 'remove'; readonly uuid: string }
  /** Source and type; outputs come back from the snapshot only when the cell turns back into code. */
  | { readonly kind: 'restore'; readonly cell: CellSnapshot }
  | { readonly kind: 'move'; readonly uuid: string; readonly index: number };

/** A recorded edit: the steps that revert it and the steps that re-do it. */
export type UndoAction = { readonly undo: readonly UndoStep[]; readonly redo: readonly UndoStep[] };

/** Default number of edits kept per notebook (snapshots share outputs, but memory must stay bounded). */
export const DEFAULT_UNDO_LIMIT = 500;

/**
 * Undo and redo stacks with d1's rules: a new edit does NOT clear the redo stack, and a failed undo or
 * redo resets both stacks.
 */
export class UndoHistory {
  private undoStack: UndoAction[] = [];
  private redoStack: UndoAction[] = [];

  constructor(private readonly limit = DEFAULT_UNDO_LIMIT) {}

  /** Records a new edit (the redo stack is kept, as in d1). */
  record(action: UndoAction): void {
    this.push(this.undoStack, action);
  }

  /** The edit to undo next, taken off the undo stack. */
  takeUndo(): UndoAction | undefined {
    return this.undoStack.pop();
  }

  /** The edit to redo next, taken off the redo stack. */
  takeRedo(): UndoAction | undefined {
    return this.redoStack.pop();
  }

  /** Files an undone edit so that it can be redone. */
  undone(action: UndoAction): void {
    this.push(this.redoStack, action);
  }

  /** Files a redone edit so that it can be undone again. */
  redone(action: UndoAction): void {
    this.push(this.undoStack, action);
  }

  /** Forgets everything. */
  reset(): void {
    this.undoStack = [];
    this.redoStack = [];
  }

  /** Sizes of both stacks. */
  get depth(): { undo: number; redo: number } {
    return { undo: this.undoStack.length, redo: this.redoStack.length };
  }

  private push(stack: UndoAction[], action: UndoAction): void {
    stack.push(action);
    if (stack.length > this.limit) stack.splice(0, stack.length - this.limit);
  }
}
