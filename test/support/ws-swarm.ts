import { Worker } from 'node:worker_threads';

/** What the swarm tells about its clients once the run is over. */
export interface SwarmReport {
  /** The versions each client received, in order (client 0 first). */
  versions: number[][];
  /** Receive times (epoch ms, sub-ms precision) parallel to `versions`. */
  times: number[][];
  /** Whether every client received byte-identical frames to client 0's. */
  identical: boolean;
  closeCodes: Array<number | null>;
}

/*
 * Runs in a worker thread, so the clients' receive work happens on another core than the server's fan-out and
 * the measured latency is the server's, not the test process queueing behind itself. Plain JS (workers get no
 * TypeScript transform under Jest).
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.wsPath);
const { url, token, n, batch } = workerData;
const now = () => performance.timeOrigin + performance.now();
const clients = [];
const versionOf = (buf) => {
  const m = /"version":(\\d+)}$/.exec(buf.subarray(Math.max(0, buf.length - 40)).toString());
  return m ? Number(m[1]) : -1;
};
function open() {
  const c = { frames: [], versions: [], times: [], close: null };
  c.ws = new WebSocket(url, { headers: { authorization: 'Bearer ' + token } });
  c.ws.on('message', (data) => { c.times.push(now()); c.frames.push(data); c.versions.push(versionOf(data)); });
  c.ws.on('close', (code) => { c.close = code; });
  c.ws.on('error', () => undefined);
  clients.push(c);
  return new Promise((resolve, reject) => { c.ws.once('open', resolve); c.ws.once('error', reject); });
}
async function openAll() {
  for (let i = 0; i < n; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, n - i) }, open));
  }
}
const handlers = {
  open: () => openAll().then(() => clients.length),
  minVersion: () => Math.min(...clients.map((c) => c.versions.at(-1) ?? -1)),
  report: () => ({
    versions: clients.map((c) => c.versions),
    times: clients.map((c) => c.times),
    identical: clients.every((c) => c.frames.length === clients[0].frames.length &&
      c.frames.every((f, i) => f.equals(clients[0].frames[i]))),
    closeCodes: clients.map((c) => c.close),
  }),
  close: async () => {
    for (const c of clients) c.ws.close();
    while (clients.some((c) => c.close === null)) await new Promise((r) => setTimeout(r, 20));
    return true;
  },
};
parentPort.on('message', async ({ id, op }) => {
  try { parentPort.postMessage({ id, value: await handlers[op]() }); }
  catch (err) { parentPort.postMessage({ id, error: String(err) }); }
});
`;

/** Many websocket clients of one URL, living in a worker thread. */
export class WsSwarm {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(url: string, token: string, n: number, batch = 100) {
    const wsPath = require.resolve('ws');
    this.worker = new Worker(WORKER, { eval: true, workerData: { url, token, n, batch, wsPath } });
    this.worker.on('message', ({ id, value, error }: { id: number; value: unknown; error?: string }) => {
      const w = this.waiting.get(id);
      this.waiting.delete(id);
      if (error) w?.reject(new Error(error));
      else w?.resolve(value);
    });
  }

  private call<T>(op: string): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op });
    });
  }

  /** Opens every client (in batches); resolves with how many are open. */
  open(): Promise<number> {
    return this.call('open');
  }

  /** The lowest last version any client has received. */
  minVersion(): Promise<number> {
    return this.call('minVersion');
  }

  report(): Promise<SwarmReport> {
    return this.call('report');
  }

  /** Closes every client, waits for the closes, and ends the worker. */
  async close(): Promise<void> {
    await this.call('close');
    await this.worker.terminate();
  }
}
