import {
  type CellJson,
  type CellType,
  type D1Client,
  type Msg,
  type NotebookState,
  cellUuid,
  typeOf,
} from '@d1/client';
import type { CellActions } from './cell-view';
import type { CellEditor } from './editor';

export interface CommandsDeps {
  client: D1Client;
  uuid: string;
  state(): NotebookState | null;
  selected(): string | null;
  select(id: string | null): void;
  editMarkdown(id: string, editing: boolean): void;
  focusCell(id: string): void;
  /** Shows why an action failed (d1's reason), or clears it. */
  report(message: string | null): void;
}

/**
 * Everything the page can do to a notebook, each one REST call (the result comes back over the websocket).
 * Editors register here so that running a cell sends the text typed in it together with the run.
 */
export class NotebookCommands implements CellActions {
  private readonly editors = new Map<string, CellEditor>();
  /** A cell to put the cursor in as soon as its editor exists (a cell just added, say). */
  private focusWhenReady: string | null = null;

  constructor(private readonly d: CommandsDeps) {
    // Cells and buttons receive these methods as plain callbacks.
    const proto = NotebookCommands.prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const fn: unknown = Object.getOwnPropertyDescriptor(proto, name)?.value;
      if (typeof fn === 'function' && name !== 'constructor')
        Object.defineProperty(this, name, { value: fn.bind(this) });
    }
  }

  private get cells(): CellJson[] {
    return this.d.state()?.cells ?? [];
  }

  private indexOf(id: string | null): number {
    return id === null ? -1 : this.cells.findIndex((c) => cellUuid(c) === id);
  }

  private async act<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      this.d.report((err as { reason?: string }).reason || (err as Error).message);
      return undefined;
    }
  }

  /**
   * Hands every source change to the cell's editor as each message arrives, in order: drawing happens once
   * per frame, and an editor that saw only the last state of a burst could not merge an edit it never saw.
   */
  sourcesChanged(msg: Msg): void {
    if (this.editors.size === 0) return;
    const type = typeOf(msg);
    if (type === 'cell_update' && msg.cell_update.length === 1) {
      const cell = msg.cell_update[0] as CellJson;
      this.editors.get(cellUuid(cell))?.serverSource(cell.source);
      return;
    }
    if (!['cell_update', 'cell_add', 'cell_delete', 'kernel_restarted', 'notebook_snapshot'].includes(type))
      return;
    for (const cell of this.cells) this.editors.get(cellUuid(cell))?.serverSource(cell.source);
  }

  // --- CellActions

  sourceOf(id: string): string | undefined {
    return this.cells[this.indexOf(id)]?.source;
  }

  select(id: string): void {
    if (this.d.selected() !== id) this.d.select(id);
  }

  registerEditor(id: string, editor: CellEditor | null): void {
    if (!editor) {
      this.editors.delete(id);
      return;
    }
    this.editors.set(id, editor);
    if (this.focusWhenReady === id) {
      this.focusWhenReady = null;
      editor.focus();
    }
  }

  async sendSource(id: string, source: string): Promise<void> {
    const { client, uuid } = this.d;
    await client.patchCell(uuid, id, { source }).catch((err) => {
      this.d.report((err as { reason?: string }).reason || (err as Error).message);
      throw err;
    });
  }

  run(id: string, then: 'stay' | 'next' | 'insert'): void {
    const cell = this.cells[this.indexOf(id)];
    if (!cell) return;
    if (cell.cell_type === 'code') void this.execute(id);
    else {
      void this.act(async () => this.editors.get(id)?.flush());
      if (cell.cell_type === 'markdown') this.d.editMarkdown(id, false);
    }
    if (then === 'insert') void this.addCell('code', 'below');
    else if (then === 'next') this.next(id);
  }

  commandMode(): void {
    const id = this.d.selected();
    if (id) this.d.focusCell(id);
  }

  answerInput(value: string): void {
    void this.act(() => this.d.client.answerInput(this.d.uuid, value));
  }

  cancel(id: string): void {
    void this.act(() => this.d.client.cancel(this.d.uuid, id));
  }

  split(id: string, at: number): void {
    void this.act(() => this.d.client.splitCell(this.d.uuid, id, at));
  }

  editMarkdown(id: string, editing: boolean): void {
    if (editing) this.focusWhenReady = id;
    this.d.editMarkdown(id, editing);
  }

  // --- toolbar and command mode

  runSelected(then: 'stay' | 'next' | 'insert'): void {
    const id = this.d.selected();
    if (id) this.run(id, then);
  }

  async runAll(): Promise<void> {
    await Promise.all([...this.editors.values()].map((e) => e.flush().catch(() => undefined)));
    await this.act(() => this.d.client.executeAll(this.d.uuid));
  }

  interrupt(): void {
    void this.act(() => this.d.client.interrupt(this.d.uuid));
  }

  restart(then: 'nothing' | 'clear' | 'run_all'): void {
    void this.act(() => this.d.client.restart(this.d.uuid, then));
  }

  /** Adds a cell above or below the selected one, or at the end, and puts the cursor in it. */
  async addCell(type: CellType, where: 'above' | 'below' | 'end'): Promise<void> {
    const i = this.indexOf(this.d.selected());
    const at = where === 'end' || i < 0 ? undefined : where === 'above' ? i : i + 1;
    const before = at === undefined ? undefined : this.cells[at] && cellUuid(this.cells[at]);
    const cell = await this.act(() => this.d.client.addCell(this.d.uuid, { cell_type: type, before }));
    if (!cell) return;
    this.d.select(cell.id);
    if (type === 'markdown') this.editMarkdown(cell.id, true);
    else this.focusWhenReady = cell.id;
    const editor = this.editors.get(cell.id);
    if (editor) this.registerEditor(cell.id, editor);
  }

  deleteSelected(): void {
    const id = this.d.selected();
    if (!id) return;
    const i = this.indexOf(id);
    const neighbour = this.cells[i + 1] ?? this.cells[i - 1];
    this.d.select(neighbour ? cellUuid(neighbour) : null);
    void this.act(() => this.d.client.deleteCell(this.d.uuid, id));
  }

  moveSelected(direction: -1 | 1): void {
    const id = this.d.selected();
    const i = this.indexOf(id);
    if (!id || i < 0) return;
    const target = i + direction;
    if (target < 0 || target >= this.cells.length) return;
    // d1 moves a cell before another one, or to the end.
    const before = direction < 0 ? this.cells[target] : this.cells[i + 2];
    void this.act(() => this.d.client.moveCell(this.d.uuid, id, before && cellUuid(before)));
  }

  mergeSelected(): void {
    const id = this.d.selected();
    if (id)
      void this.act(async () => {
        await this.editors.get(id)?.flush();
        const below = this.cells[this.indexOf(id) + 1];
        if (below) await this.editors.get(cellUuid(below))?.flush();
        await this.d.client.mergeCell(this.d.uuid, id);
      });
  }

  splitSelected(): void {
    const id = this.d.selected();
    const editor = id ? this.editors.get(id) : undefined;
    if (!id || !editor) return;
    const at = editor.view.state.selection.main.head;
    void this.act(async () => {
      await editor.flush();
      await this.d.client.splitCell(this.d.uuid, id, at);
    });
  }

  setType(type: CellType): void {
    const id = this.d.selected();
    if (id) void this.act(() => this.d.client.patchCell(this.d.uuid, id, { cell_type: type }));
  }

  clearOutputs(all: boolean): void {
    const id = this.d.selected();
    if (all) void this.act(() => this.d.client.clearAll(this.d.uuid));
    else if (id) void this.act(() => this.d.client.clearCell(this.d.uuid, id));
  }

  undo(): void {
    void this.act(() => this.d.client.undo(this.d.uuid));
  }

  redo(): void {
    void this.act(() => this.d.client.redo(this.d.uuid));
  }

  /** Save as (the notebook keeps the new file) or rename (the old file goes). */
  async saveTo(kind: 'save_as' | 'rename', path: string): Promise<boolean> {
    const parts = path.trim().split('/').filter(Boolean);
    const filename = parts.pop();
    if (!filename) return false;
    const target = { filename, directory: parts.join('/') || undefined };
    const { client, uuid } = this.d;
    const done = await this.act(() =>
      kind === 'save_as' ? client.saveAs(uuid, target) : client.rename(uuid, target),
    );
    return done !== undefined;
  }

  reload(): void {
    void this.act(() => this.d.client.reload(this.d.uuid));
  }

  /** Puts the cursor in the selected cell (markdown cells switch to their source). */
  editSelected(): void {
    const id = this.d.selected();
    if (!id) return;
    const cell = this.cells[this.indexOf(id)];
    if (cell?.cell_type === 'markdown') this.editMarkdown(id, true);
    this.editors.get(id)?.focus();
  }

  /** Selects the cell above or below and gives it the keyboard. */
  selectNeighbour(direction: -1 | 1): void {
    const i = this.indexOf(this.d.selected());
    const cell = this.cells[Math.max(0, Math.min(this.cells.length - 1, i + direction))];
    if (!cell) return;
    this.d.select(cellUuid(cell));
    this.d.focusCell(cellUuid(cell));
  }

  private async execute(id: string): Promise<void> {
    const { client, uuid } = this.d;
    const editor = this.editors.get(id);
    await this.act(async () => {
      // The text typed in the cell goes with the run (patch + execute), after its earlier edits.
      const sent = await editor?.flush((source) => client.patchAndExecute(uuid, id, { source }));
      if (!sent) await client.execute(uuid, id);
    });
  }

  private next(id: string): void {
    const next = this.cells[this.indexOf(id) + 1];
    if (!next) {
      void this.addCell('code', 'end');
      return;
    }
    this.d.select(cellUuid(next));
    this.d.focusCell(cellUuid(next));
  }
}
