import type {
  CellJson,
  InputRequest,
  JsonObject,
  KernelExecutionState,
  KernelStatus,
  NotebookJson,
  NotebookMessage,
} from './types';

/** A websocket message as received: one key naming its type, maybe `version`; read loosely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

/** An input() waiting for an answer, and the stdout text its cell had when it was asked. */
export interface PendingInput extends InputRequest {
  stdoutAtRequest: string;
}

/**
 * What a client knows of one notebook, built from a REST snapshot and the websocket messages after it.
 * Never mutated: each message gives a new state, and cells it did not touch stay the same objects.
 */
export interface NotebookState {
  cells: CellJson[];
  metadata: JsonObject;
  /** The version of the last message applied (`?since` clients get one with every message). */
  version: number;
  /** The last `kernel_status`, or null before the first one. */
  kernel: KernelStatus | null;
  input: PendingInput | null;
  /** The path from `notebook_file_changed`, until a snapshot (reload) replaces the notebook. */
  fileChanged: string | null;
}

/** The single key of a d1 message. */
export function typeOf(m: Msg): string {
  return Object.keys(m).find((k) => k !== 'version') ?? '';
}

/** A cell's d1 uuid (the nbformat id is the same). */
export function cellUuid(cell: CellJson): string {
  return cell.metadata?.jupyter_d1?.uuid ?? cell.id;
}

/** The state of a notebook from a REST snapshot (`GET /notebooks/{uuid}`: `notebook` and `version`). */
export function fromSnapshot(
  notebook: Pick<NotebookJson, 'cells' | 'metadata'> | { cells: unknown[]; metadata: unknown },
  version: number,
): NotebookState {
  const nb = notebook as NotebookJson;
  return { cells: nb.cells, metadata: nb.metadata, version, kernel: null, input: null, fileChanged: null };
}

/**
 * Applies one notebook websocket message: a one-cell `cell_update` replaces that cell (appends it when
 * unknown), a longer one (move, split, undo) and `cell_add`/`cell_delete` are the whole list, a
 * `notebook_snapshot` replaces everything. Messages that change nothing a client shows return `state` itself.
 */
export function applyMessage(state: NotebookState, msg: Msg | NotebookMessage): NotebookState {
  const m = msg as Msg;
  const next = applyBody(state, typeOf(m), m[typeOf(m)]);
  if (typeof m.version !== 'number' || m.version === next.version) return next;
  return { ...next, version: m.version };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function applyBody(state: NotebookState, type: string, body: any): NotebookState {
  switch (type) {
    case 'cell_update':
      return withCells(state, body.length === 1 ? replaceCell(state.cells, body[0]) : body);
    case 'cell_add':
    case 'cell_delete':
      return withCells(state, body);
    case 'kernel_restarted': {
      const kernel = state.kernel && { ...state.kernel, execution_state: 'idle' as const };
      return withCells({ ...state, kernel, input: null }, body.cells);
    }
    case 'kernel_interrupted':
      return state.input ? { ...state, input: null } : state;
    case 'kernel_status': {
      const lost = body.execution_state === 'dead' || body.execution_state === 'restarting';
      return { ...state, kernel: body, input: lost ? null : state.input };
    }
    case 'metadata':
      return { ...state, metadata: body };
    case 'notebook_snapshot':
      return withCells(
        { ...state, metadata: body.notebook.metadata, version: body.version, fileChanged: null },
        body.notebook.cells,
      );
    case 'notebook_file_changed':
      return { ...state, fileChanged: body.path };
    case 'input_request':
      return { ...state, input: { ...body, stdoutAtRequest: stdoutOf(findCell(state.cells, body.cell_id)) } };
    default:
      return state;
  }
}

function replaceCell(cells: CellJson[], cell: CellJson): CellJson[] {
  const id = cellUuid(cell);
  const i = cells.findIndex((c) => cellUuid(c) === id);
  if (i < 0) return [...cells, cell];
  const next = cells.slice();
  next[i] = cell;
  return next;
}

/** New cells, and the pending input dropped once its cell shows it was answered or stopped waiting. */
function withCells(state: NotebookState, cells: CellJson[]): NotebookState {
  const input =
    state.input && stillWaiting(state.input, findCell(cells, state.input.cell_id)) ? state.input : null;
  return { ...state, cells, input };
}

/**
 * d1 announces a prompt but not its answer: the answer shows as the prompt and the typed text echoed on the
 * cell's stdout, ending a line. A cell that is no longer busy is not waiting either.
 */
function stillWaiting(input: PendingInput, cell: CellJson | undefined): boolean {
  if (!cell || cell.metadata?.jupyter_d1?.execution_state !== 'busy') return false;
  const text = stdoutOf(cell);
  const added = text.startsWith(input.stdoutAtRequest) ? text.slice(input.stdoutAtRequest.length) : text;
  const at = input.prompt === '' ? 0 : added.lastIndexOf(input.prompt);
  return at < 0 || !added.slice(at + input.prompt.length).includes('\n');
}

function findCell(cells: CellJson[], id: string): CellJson | undefined {
  return cells.find((c) => cellUuid(c) === id);
}

function stdoutOf(cell: CellJson | undefined): string {
  if (!cell || cell.cell_type !== 'code') return '';
  let text = '';
  for (const o of cell.outputs) if (o.output_type === 'stream' && o.name === 'stdout') text += o.text;
  return text;
}

/** Applies messages in order. */
export function applyAll(state: NotebookState, msgs: Array<Msg | NotebookMessage>): NotebookState {
  let s = state;
  for (const m of msgs) s = applyMessage(s, m);
  return s;
}

/** The whole notebook a client holds after `msgs`, starting from `initial` (a `GET /notebooks/{uuid}` body). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function reduce(initial: any, msgs: Array<Msg | NotebookMessage>): any {
  const state = applyAll(fromSnapshot(initial, 0), msgs);
  return { ...initial, cells: state.cells, metadata: state.metadata };
}

/** The versions carried by messages, and where they skip or repeat (empty when consecutive). */
export function versionGaps(msgs: Msg[], after: number): string[] {
  const gaps: string[] = [];
  let expected = after + 1;
  for (const m of msgs) {
    if (m.version !== expected) gaps.push(`expected ${expected}, got ${m.version}`);
    expected = (typeof m.version === 'number' ? m.version : expected) + 1;
  }
  return gaps;
}

/** The kernel's state as a person reads it: d1's last announcement, or busy while a cell runs or waits. */
export function kernelActivity(state: NotebookState): KernelExecutionState | 'unknown' {
  const announced = state.kernel?.execution_state;
  if (announced === 'starting' || announced === 'restarting' || announced === 'dead') return announced;
  const active = state.cells.some((c) => {
    const s = c.metadata?.jupyter_d1?.execution_state;
    return s === 'busy' || s === 'pending';
  });
  if (active) return 'busy';
  return announced ?? 'idle';
}
