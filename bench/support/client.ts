import * as http from 'node:http';
import WebSocket from 'ws';

/** A parsed JSON body; shapes are d1's (see SPEC), checked by the benchmarks where they matter. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A REST client of one d1 with a read+write token. */
export class D1Client {
  private constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  /** Logs in with the shared secret. */
  static async login(baseUrl: string, secret: string): Promise<D1Client> {
    const res = await fetch(`${baseUrl}/login/access-token`, { headers: { authorization: secret } });
    if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    const body = (await res.json()) as { token: { access_token: string } };
    return new D1Client(baseUrl, body.token.access_token);
  }

  /** Calls d1; throws on a non-2xx status unless `allowError`. */
  async call(
    method: string,
    path: string,
    body?: unknown,
    allowError = false,
  ): Promise<{ status: number; json: Json }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const res = await request(method, this.baseUrl + path, headers, payload);
    const text = res.text;
    if (!allowError && (res.status < 200 || res.status >= 300)) {
      throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    }
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

  /**
   * Creates and opens a notebook; returns its uuid once its kernel ran a first cell (the kernel model's
   * execution_state is no readiness signal: it says `starting` until someone executes).
   */
  async createNotebook(filename: string): Promise<string> {
    const { json } = await this.call('POST', `/notebooks/create?filename=${encodeURIComponent(filename)}`);
    const uuid = json.notebook.metadata.jupyter_d1.uuid as string;
    const cell = await this.addCell(uuid, 'pass');
    const ws = this.socket(uuid);
    await opened(ws);
    const idle = new IdleWatch(ws, cell).next();
    await this.execute(uuid, cell);
    await idle;
    ws.close();
    await this.call('DELETE', `/notebooks/${uuid}/cells/${cell}`);
    return uuid;
  }

  /** Adds a code cell; returns its id. */
  async addCell(uuid: string, source: string): Promise<string> {
    const { json } = await this.call('POST', `/notebooks/${uuid}/cells`, { source });
    return json.cell.id as string;
  }

  /** Queues a cell for execution. */
  async execute(uuid: string, cellId: string): Promise<void> {
    await this.call('POST', `/notebooks/${uuid}/cells/${cellId}/execute`);
  }

  /** Opens a notebook websocket (optionally resyncing from a version). */
  socket(uuid: string, since?: number): WebSocket {
    const q = since === undefined ? '' : `?since=${since}`;
    const wsUrl = this.baseUrl.replace('http', 'ws');
    return new WebSocket(`${wsUrl}/notebooks/${uuid}/ws/notebook${q}`, {
      headers: { authorization: `Bearer ${this.token}` },
      perMessageDeflate: false,
    });
  }
}

/** Resolves when the socket is open. */
export function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
}

/** Whether a received frame's bytes start with `prefix` (no decoding, no copy). */
function startsWith(data: Buffer, prefix: Buffer): boolean {
  return data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

const REQUEST = Buffer.from('{"cell_execution_request"');
const UPDATE = Buffer.from('{"cell_update"');
const IDLE = '"execution_state":"idle"';

/**
 * Watches one socket for the end of one cell's executions. An execution ends with the first idle `cell_update`
 * of the cell after its `cell_execution_request`, so an idle update of the previous run arriving late cannot
 * end the next one. Byte tests on the raw frame, not parses or even strings: with a thousand clients in this
 * one process, decoding every message would measure the benchmark itself.
 */
export class IdleWatch {
  private armed = false;
  private waiter: ((t: number) => void) | null = null;
  private readonly cellKey: string;
  /** Messages received in all. */
  messages = 0;
  /** performance.now() at the receipt of every message, when constructed with `recordArrivals`. */
  readonly arrivals: number[] = [];

  constructor(
    ws: WebSocket,
    private readonly cellId: string,
    private readonly recordArrivals = false,
  ) {
    this.cellKey = `"id":"${cellId}"`;
    ws.on('message', (data: Buffer) => this.onMessage(data));
  }

  /** Resolves with performance.now() at the receipt of the next execution's idle update. */
  next(): Promise<number> {
    return new Promise((resolve) => (this.waiter = resolve));
  }

  private onMessage(data: Buffer): void {
    const t = performance.now();
    if (this.recordArrivals) this.arrivals.push(t);
    this.messages++;
    if (startsWith(data, REQUEST) && data.includes(this.cellId)) this.armed = true;
    else if (this.armed && startsWith(data, UPDATE) && data.includes(IDLE) && data.includes(this.cellKey)) {
      this.armed = false;
      const w = this.waiter;
      this.waiter = null;
      w?.(t);
    }
  }
}

/**
 * Kept-alive connections: the figure is d1's, so the client must add as little as it can (fetch/undici
 * costs a few hundred microseconds a request more than node:http on this machine).
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function request(
  method: string,
  url: string,
  headers: Record<string, string>,
  payload?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
