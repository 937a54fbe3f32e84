/* eslint-disable @typescript-eslint/no-explicit-any */

/** A d1 notebook websocket message (single key, plus `version` for ?since clients). */
export type Msg = Record<string, any>;

/** The single key of a d1 message. */
export function typeOf(m: Msg): string {
  return Object.keys(m).find((k) => k !== 'version') ?? '';
}

/** What a client knows of a notebook, rebuilt from websocket messages only. */
export interface LocalNotebook {
  cells: any[];
  metadata: Record<string, any>;
  version: number;
}

const uuidOf = (cell: any): string => cell?.metadata?.jupyter_d1?.uuid ?? cell?.id;

/** A local model starting from a REST snapshot (`GET /notebooks/{uuid}`). */
export function fromSnapshot(notebook: any, version: number): LocalNotebook {
  return { cells: structuredClone(notebook.cells), metadata: structuredClone(notebook.metadata), version };
}

/**
 * Applies one notebook websocket message the way a client would: a one-cell `cell_update` replaces that cell,
 * a longer one (move, split, undo) and `cell_add`/`cell_delete` are the whole list, a `notebook_snapshot`
 * replaces everything. Returns the model (mutated) for chaining.
 */
export function applyMessage(model: LocalNotebook, msg: Record<string, any>): LocalNotebook {
  if (typeof msg.version === 'number') model.version = msg.version;
  if (msg.notebook_snapshot) {
    const { notebook, version } = msg.notebook_snapshot;
    Object.assign(model, fromSnapshot(notebook, version));
  } else if (msg.cell_update) {
    applyCellUpdate(model, msg.cell_update);
  } else if (msg.cell_add || msg.cell_delete) {
    model.cells = structuredClone(msg.cell_add ?? msg.cell_delete);
  } else if (msg.kernel_restarted) {
    model.cells = structuredClone(msg.kernel_restarted.cells);
  } else if (msg.metadata) {
    model.metadata = structuredClone(msg.metadata);
  }
  return model;
}

function applyCellUpdate(model: LocalNotebook, cells: any[]): void {
  if (cells.length !== 1) {
    model.cells = structuredClone(cells);
    return;
  }
  const i = model.cells.findIndex((c) => uuidOf(c) === uuidOf(cells[0]));
  if (i >= 0) model.cells[i] = structuredClone(cells[0]);
  else model.cells.push(structuredClone(cells[0]));
}

/** The whole notebook a client holds after `msgs`, starting from `initial` (a `GET /notebooks/{uuid}` body). */
export function reduce(initial: any, msgs: Msg[]): any {
  const model = applyAll(fromSnapshot(initial, 0), msgs);
  return { ...structuredClone(initial), cells: model.cells, metadata: model.metadata };
}

/** Applies messages in order. */
export function applyAll(model: LocalNotebook, msgs: Array<Record<string, any>>): LocalNotebook {
  for (const m of msgs) applyMessage(model, m);
  return model;
}

/** The versions carried by messages, and where they skip or repeat (empty when consecutive). */
export function versionGaps(msgs: Array<Record<string, any>>, after: number): string[] {
  const gaps: string[] = [];
  let expected = after + 1;
  for (const m of msgs) {
    if (m.version !== expected) gaps.push(`expected ${expected}, got ${m.version}`);
    expected = (typeof m.version === 'number' ? m.version : expected) + 1;
  }
  return gaps;
}
