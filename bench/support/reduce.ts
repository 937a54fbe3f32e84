/* eslint-disable @typescript-eslint/no-explicit-any */

/** A d1 notebook websocket message (single key, plus `version` for ?since clients). */
export type Msg = Record<string, any>;

/** The single key of a d1 message. */
export function typeOf(m: Msg): string {
  return Object.keys(m).find((k) => k !== 'version') ?? '';
}

/**
 * A client's local copy of a notebook, rebuilt from the messages it received as a d1 client does:
 * cell_update replaces cells by id, cell_add/cell_delete/kernel_restarted carry the whole list,
 * metadata replaces the metadata, notebook_snapshot replaces everything.
 */
export function reduce(initial: any, msgs: Msg[]): any {
  let nb = structuredClone(initial);
  for (const m of msgs) {
    const type = typeOf(m);
    const body = m[type];
    if (type === 'cell_update') {
      for (const cell of body) {
        const i = nb.cells.findIndex((c: any) => c.id === cell.id);
        if (i >= 0) nb.cells[i] = cell;
        else nb.cells.push(cell);
      }
    } else if (type === 'cell_add' || type === 'cell_delete') nb.cells = body;
    else if (type === 'kernel_restarted') nb.cells = body.cells;
    else if (type === 'metadata') nb.metadata = body;
    else if (type === 'notebook_snapshot') nb = structuredClone(body.notebook);
    nb.cells.sort((a: any, b: any) => a.metadata.jupyter_d1.position - b.metadata.jupyter_d1.position);
  }
  return nb;
}
