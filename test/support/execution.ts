import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestD1 } from './d1';
import { useD1, waitFor } from './d1';
import { CellSpec, makeNotebook, uploadAndOpen } from './notebooks';
import { WsRecorder } from './ws';
import { Msg, reduce, typeOf } from '@d1/client';

export { reduce, typeOf };
export type { Msg };

/* eslint-disable @typescript-eslint/no-explicit-any */

/** One open notebook watched by several real websocket clients. */
export interface Session {
  d1: TestD1;
  uuid: string;
  /** Cell ids in their initial order; `label(id)` names them c0, c1, … in sequences. */
  cellIds: string[];
  /** The notebook as it was when the clients connected: the start of every client's local copy. */
  initial: any;
  clients: WsRecorder[];
  /** POST (or another method) to a path under /notebooks/{uuid}. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }>;
  /** Runs a cell; returns the message_id d1 answered with. */
  execute(cellIndex: number): Promise<string>;
  /** Connects one more client now (it starts from the notebook as it is at that moment). */
  connect(): Promise<WsRecorder>;
  close(): Promise<void>;
}

/** Uploads a notebook, waits for its kernel to be ready, and connects `clients` websockets (≥ 2). */
export async function openSession(d1: TestD1, cells: CellSpec[], clients = 2): Promise<Session> {
  const name = `nb-${Math.random().toString(36).slice(2)}.ipynb`;
  const opened = await uploadAndOpen(d1, `filename=${name}`, makeNotebook(cells));
  const uuid: string = opened.metadata.jupyter_d1.uuid;
  // d1 resolves the notebook uuid to its kernel once the kernel answered kernel_info. (Jupyter's own
  // execution_state may say `starting` for a while longer, so it is no readiness signal.)
  await waitFor(
    async () => (await d1.request('GET', `/kernels/${uuid}`)).status === 200,
    'the notebook kernel to be ready',
    30_000,
  );
  const got = await d1.request('GET', `/notebooks/${uuid}`);
  const token = await d1.token();
  const url = `${d1.wsUrl}/notebooks/${uuid}/ws/notebook`;
  // One client resyncs with ?since (messages then carry a version), the others connect as d1 clients do.
  const recorders = await Promise.all(
    Array.from({ length: clients }, (_, i) =>
      new WsRecorder(i === 0 ? `${url}?since=${got.json.version}` : url, { token }).ready(),
    ),
  );
  const call = async (method: string, path: string, body?: unknown) =>
    d1.request(method, `/notebooks/${uuid}${path}`, body === undefined ? {} : { body });
  const cellIds = got.json.notebook.cells.map((c: any) => c.id as string);
  const session: Session = {
    d1,
    uuid,
    cellIds,
    initial: got.json.notebook,
    clients: recorders,
    call,
    execute: async (i) => {
      const res = await call('POST', `/cells/${cellIds[i]}/execute`);
      if (res.status !== 200) throw new Error(`execute failed: ${res.status} ${res.text}`);
      expect(Object.keys(res.json)).toEqual(['kernel_message']);
      return res.json.kernel_message.message_id as string;
    },
    connect: async () => new WsRecorder(url, { token }).ready(),
    close: async () => {
      for (const c of recorders) c.close();
      const res = await d1.request('DELETE', `/notebooks/${uuid}`);
      if (res.status !== 204) throw new Error(`close failed: ${res.status} ${res.text}`);
    },
  };
  return session;
}

/** A client's messages without the `version` field that only ?since clients get. */
export function plain(client: WsRecorder): Msg[] {
  return client.messages.map((m) => {
    const { version: _v, ...rest } = m;
    return rest;
  });
}

/** Waits until `check` holds for the messages of every client. */
export async function untilAll(s: Session, check: (msgs: Msg[]) => boolean, what: string, ms = 20_000) {
  await Promise.all(s.clients.map((c) => c.until(check, what, ms)));
}

/** Whether the messages hold a `vars` after the last cell_execution_reply and every cell is idle. */
export function settled(s: Session) {
  return (msgs: Msg[]): boolean => {
    const lastReply = msgs.map(typeOf).lastIndexOf('cell_execution_reply');
    const lastVars = msgs.map(typeOf).lastIndexOf('vars');
    if (lastReply < 0 || lastVars < lastReply) return false;
    return reduce(s.initial, msgs).cells.every((c: any) => c.metadata.jupyter_d1.execution_state === 'idle');
  };
}

/**
 * Every client received the same messages in the same order, and the notebook d1 serves equals what each
 * client built from them. Returns the (common) messages.
 */
export async function expectConsistent(s: Session): Promise<Msg[]> {
  const first = plain(s.clients[0]);
  for (const c of s.clients.slice(1)) expect(plain(c)).toEqual(first);
  const served = await s.d1.request('GET', `/notebooks/${s.uuid}`);
  expect(served.status).toBe(200);
  for (const c of s.clients) expect(reduce(s.initial, c.messages)).toEqual(served.json.notebook);
  return first;
}

/**
 * A compact, exact picture of a message sequence: `update c0 busy`, `request c1`, `reply c0 ok`, `vars`, …
 * Cells are named by their initial index. Output updates of a busy cell read `update c0 busy +out`; a burst
 * of them (coalesced at d1's discretion) counts once.
 */
export function sequence(s: Session, msgs: Msg[]): string[] {
  const cellOfMsg = new Map<string, string>();
  const label = (id: string): string => {
    const i = s.cellIds.indexOf(id);
    return i >= 0 ? `c${i}` : `new`;
  };
  const out: string[] = [];
  for (const m of msgs) {
    const type = typeOf(m);
    const body = m[type];
    if (type === 'cell_execution_request') cellOfMsg.set(body.message_id, label(body.cell_id));
    const sig = describe(type, body, label, cellOfMsg);
    if (sig.endsWith('+out') && out[out.length - 1] === sig) continue;
    out.push(sig);
  }
  return out;
}

function describe(type: string, body: any, label: (id: string) => string, cellOf: Map<string, string>) {
  switch (type) {
    case 'cell_update': {
      if (body.length !== 1) return `update all`;
      const state = body[0].metadata.jupyter_d1.execution_state;
      const out = state === 'busy' && body[0].outputs?.length ? ' +out' : '';
      return `update ${label(body[0].id)} ${state}${out}`;
    }
    case 'cell_execution_request':
      return `request ${label(body.cell_id)}`;
    case 'cell_execution_input':
      return `input ${cellOf.get(body.parent_id) ?? '?'}`;
    case 'cell_execution_reply':
      return `reply ${label(body.cell_id)} ${body.status}`;
    case 'kernel_status':
      return `kernel_status ${body.execution_state}`;
    case 'scratch_update':
      return `scratch ${body.execution_state ?? body.output?.output_type}`;
    default:
      return type;
  }
}

/**
 * The ids line up: each REST message_id is a cell_execution_request's message_id, and the input and reply of
 * that execution carry it as parent_id.
 */
export function expectIds(s: Session, msgs: Msg[], runs: Array<{ cell: number; messageId: string }>) {
  for (const { cell, messageId } of runs) {
    const cellId = s.cellIds[cell];
    const req = msgs.filter((m) => m.cell_execution_request?.message_id === messageId);
    expect(req.map((m) => m.cell_execution_request)).toEqual([{ cell_id: cellId, message_id: messageId }]);
    const replies = msgs.filter((m) => m.cell_execution_reply?.parent_id === messageId);
    expect(replies.length).toBe(1);
    expect(replies[0].cell_execution_reply.cell_id).toBe(cellId);
    const inputs = msgs.filter((m) => m.cell_execution_input?.parent_id === messageId);
    expect(inputs.length).toBe(replies[0].cell_execution_reply.status === 'aborted' ? 0 : 1);
  }
}

/** The expected sequence of one cell that runs to the end with outputs. */
export function oneRun(cell: string, status = 'ok', outputs = true): string[] {
  return [
    `update ${cell} busy`,
    `input ${cell}`,
    ...(outputs ? [`update ${cell} busy +out`] : []),
    `reply ${cell} ${status}`,
    `update ${cell} idle`,
  ];
}

/** The pid of a notebook's kernel process (a child of the embedded Jupyter Server). */
export async function kernelPid(d1: TestD1, uuid: string): Promise<number> {
  const info = await d1.request('GET', '/server/jupyter');
  const kernel = await d1.request('GET', `/kernels/${uuid}`);
  const jupyterPid = String(info.json.server_info.pid);
  const ps = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', jupyterPid], { encoding: 'utf8' });
  const line = ps.split('\n').find((l) => l.includes(`kernel-${kernel.json.id}.json`));
  if (!line) throw new Error(`no kernel process for ${kernel.json.id} in:\n${ps}`);
  return Number(line.trim().split(/\s+/)[0]);
}

/**
 * Python code that waits (in the kernel) until `open()` is called, so a test can queue more cells behind a
 * running one before anything else happens.
 */
export function gate(d1: TestD1): { code: string; open(): void } {
  const flag = join(d1.rootDir, `gate-${Math.random().toString(36).slice(2)}`);
  return {
    code: `import os, time\nwhile not os.path.exists(${JSON.stringify(flag)}): time.sleep(0.005)\n`,
    open: () => writeFileSync(flag, ''),
  };
}

/** The outputs of a cell as d1 serves them now. */
export async function outputsOf(s: Session, cell: number): Promise<any[]> {
  const res = await s.d1.request('GET', `/notebooks/${s.uuid}/cells/${s.cellIds[cell]}`);
  return res.json.cell.outputs;
}

/** The set-up execution suites share: one d1 per suite, sessions closed after each test. */
export function sessionSuite(): {
  readonly d1: TestD1;
  session: (cells: CellSpec[], clients?: number) => Promise<Session>;
} {
  const d1 = useD1();
  const sessions: Session[] = [];
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.close();
  });
  const suite = {
    get d1(): TestD1 {
      return d1;
    },
    session: async (cells: CellSpec[], clients?: number): Promise<Session> => {
      const opened = await openSession(suite.d1, cells, clients);
      sessions.push(opened);
      return opened;
    },
  };
  return suite;
}
