/* eslint-disable @typescript-eslint/no-explicit-any */
import WebSocket from 'ws';
import type { TestD1 } from './d1';
import { waitFor } from './d1';
import { makeNotebook, uploadAndOpen } from './notebooks';

/** Opens a notebook (in memory, no autosave) with the given code cells; returns its uuid. */
export async function openNotebook(d1: TestD1, cells: string[]): Promise<string> {
  const nb = await uploadAndOpen(d1, 'autosave=false', makeNotebook(cells));
  return nb.metadata.jupyter_d1.uuid;
}

/** `GET /notebooks/{uuid}`: the notebook and its version. */
export async function getNotebook(d1: TestD1, uuid: string): Promise<{ notebook: any; version: number }> {
  const res = await d1.request('GET', `/notebooks/${uuid}`);
  if (res.status !== 200) throw new Error(`GET notebook failed: ${res.status} ${res.text}`);
  return res.json;
}

/**
 * Waits until every code cell is idle and the version has stopped moving for `quietMs` (the variables
 * refresh after a run also bumps it); returns that final state.
 */
export async function settle(
  d1: TestD1,
  uuid: string,
  quietMs = 400,
  timeoutMs = 60_000,
): Promise<{ notebook: any; version: number }> {
  let last = -1;
  let since = Date.now();
  return waitFor(
    async () => {
      const got = await getNotebook(d1, uuid);
      const idle = got.notebook.cells.every(
        (c: any) => c.cell_type !== 'code' || c.metadata.jupyter_d1.execution_state === 'idle',
      );
      if (got.version !== last || !idle) {
        last = got.version;
        since = Date.now();
        return null;
      }
      return Date.now() - since >= quietMs ? got : null;
    },
    'the notebook to settle',
    timeoutMs,
  );
}

/** The `"version"` at the end of a versioned message, read without parsing the whole (large) message. */
export function tailVersion(data: Buffer): number {
  const m = /"version":(\d+)}$/.exec(data.subarray(Math.max(0, data.length - 40)).toString());
  return m ? Number(m[1]) : -1;
}

/** A light client for many-client tests: keeps raw frames and receive times, parses on demand. */
export class FeedClient {
  readonly frames: Buffer[] = [];
  readonly times: number[] = [];
  closeCode: number | null = null;
  readonly socket: WebSocket;

  constructor(url: string, token: string) {
    this.socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    this.socket.on('message', (data: Buffer) => {
      this.frames.push(data);
      this.times.push(performance.now());
    });
    this.socket.on('close', (code) => (this.closeCode = code));
    this.socket.on('error', () => undefined);
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState === WebSocket.OPEN) return resolve();
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  lastVersion(): number {
    return this.frames.length ? tailVersion(this.frames[this.frames.length - 1]) : -1;
  }

  messages(): Array<Record<string, any>> {
    return this.frames.map((f) => JSON.parse(f.toString()));
  }
}

/** Opens `n` clients in batches of `batch` (so handshakes do not pile up); resolves once all are open. */
export async function openMany(url: string, token: string, n: number, batch = 100): Promise<FeedClient[]> {
  const clients: FeedClient[] = [];
  for (let i = 0; i < n; i += batch) {
    const group = Array.from({ length: Math.min(batch, n - i) }, () => new FeedClient(url, token));
    await Promise.all(group.map((c) => c.opened()));
    clients.push(...group);
  }
  return clients;
}

/** Closes clients and waits until the server has seen every close. */
export async function closeAll(clients: FeedClient[]): Promise<void> {
  for (const c of clients) c.socket.close();
  await waitFor(() => clients.every((c) => c.closeCode !== null), 'clients to close', 20_000);
}
