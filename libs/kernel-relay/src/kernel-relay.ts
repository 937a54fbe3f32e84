import { KernelConnection, ServerConnection } from '@jupyterlab/services';
import type { Kernel } from '@jupyterlab/services';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { RelayError, translateError } from './errors';
import { KernelHandle } from './kernel-handle';
import type { KernelState } from './messages';

/** Where the kernel service (a Jupyter Server or a gateway) lives. */
export interface RelayOptions {
  baseUrl: string;
  wsUrl?: string;
  token: string;
  /** Per-request timeout for REST calls to the kernel service. */
  requestTimeoutMs?: number;
}

/** A kernel spec as the kernel service reports it. */
export interface KernelSpecInfo {
  name: string;
  spec: {
    display_name: string;
    language: string;
    argv: string[];
    env: Record<string, string>;
    interrupt_mode?: string;
    metadata: Record<string, unknown>;
  };
  resources: Record<string, string>;
}

/** A running kernel as the kernel service reports it. */
export interface KernelModelInfo {
  id: string;
  name: string;
  last_activity?: string;
  execution_state?: string;
  connections?: number;
}

/** Options for starting a kernel. */
export interface StartOptions {
  /** Directory (relative to the kernel service's root) the kernel starts in. */
  path?: string;
  readyTimeoutMs?: number;
  /** Told the kernel id as soon as the kernel service created it, before it answered kernel_info. */
  onCreated?: (id: string) => void;
}

/** Talks to a Jupyter kernel service through @jupyterlab/services: the only place d1 knows that protocol. */
export class KernelRelay extends EventEmitter<{ status: [id: string, state: KernelState] }> {
  private settings: ServerConnection.ISettings;
  private readonly connections = new Map<string, KernelHandle>();

  constructor(private readonly opts: RelayOptions) {
    super();
    this.settings = makeSettings(opts);
  }

  /** The kernel service's base URL (no token). */
  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  /** Resolves with the service's version when it answers, throws RelayError('unavailable') otherwise. */
  async ping(): Promise<string> {
    const body = (await this.rest('GET', 'api', undefined, 'ping the kernel service')) as {
      version?: string;
    };
    return body.version ?? 'unknown';
  }

  /** Lists kernel specs with their default. */
  async specs(): Promise<{ default: string; kernelspecs: Record<string, KernelSpecInfo> }> {
    return (await this.rest('GET', 'api/kernelspecs', undefined, 'list kernel specs')) as {
      default: string;
      kernelspecs: Record<string, KernelSpecInfo>;
    };
  }

  /** Lists the running kernels. */
  async list(): Promise<KernelModelInfo[]> {
    return (await this.rest('GET', 'api/kernels', undefined, 'list kernels')) as KernelModelInfo[];
  }

  /** Returns one running kernel's model; RelayError('not_found') if unknown. */
  async model(id: string): Promise<KernelModelInfo> {
    return (await this.rest(
      'GET',
      `api/kernels/${encodeURIComponent(id)}`,
      undefined,
      `kernel ${id}`,
    )) as KernelModelInfo;
  }

  /** Starts a kernel, connects to it and waits until it answers kernel_info. */
  async start(name: string, opts: StartOptions = {}): Promise<KernelHandle> {
    const body: Record<string, string> = { name };
    if (opts.path !== undefined) body.path = opts.path;
    const model = (await this.rest('POST', 'api/kernels', body, `start kernel ${name}`)) as Kernel.IModel;
    opts.onCreated?.(model.id);
    const handle = this.connect(model);
    try {
      await handle.ready(opts.readyTimeoutMs);
    } catch (err) {
      await this.shutdown(model.id).catch(() => undefined);
      throw err;
    }
    return handle;
  }

  /** The live connection to a kernel started or connected through this relay, if any. */
  handle(id: string): KernelHandle | undefined {
    const h = this.connections.get(id);
    return h && !h.isDisposed ? h : undefined;
  }

  /** Every live connection of this relay. */
  handles(): KernelHandle[] {
    return [...this.connections.values()].filter((h) => !h.isDisposed);
  }

  /** Connects to an already running kernel (or returns the existing connection). */
  async attach(id: string): Promise<KernelHandle> {
    const existing = this.handle(id);
    if (existing) return existing;
    const model = await this.model(id);
    return this.connect(model as Kernel.IModel);
  }

  /** Drops the connection to a kernel and forgets it; the kernel keeps running (another process may attach). */
  release(id: string): void {
    const h = this.connections.get(id);
    this.connections.delete(id);
    h?.dispose();
  }

  /** Shuts a kernel down; unknown kernels are an error. */
  async shutdown(id: string): Promise<void> {
    const h = this.connections.get(id);
    this.connections.delete(id);
    h?.dispose();
    await this.rest('DELETE', `api/kernels/${encodeURIComponent(id)}`, undefined, `shut down kernel ${id}`);
  }

  /** Restarts a kernel (same id); waits for it to answer when connected through this relay. */
  async restart(id: string): Promise<void> {
    const h = this.handle(id);
    if (h) return h.restart();
    // Jupyter Server answers 500, not 404, when restarting an unknown kernel: ask for the kernel first.
    await this.model(id);
    await this.rest('POST', `api/kernels/${encodeURIComponent(id)}/restart`, {}, `restart kernel ${id}`);
  }

  /** Interrupts a kernel. */
  async interrupt(id: string): Promise<void> {
    await this.rest('POST', `api/kernels/${encodeURIComponent(id)}/interrupt`, {}, `interrupt kernel ${id}`);
  }

  /** Shuts down every kernel started through this relay (best effort, in parallel). */
  async shutdownAll(): Promise<void> {
    await Promise.all([...this.connections.keys()].map((id) => this.shutdown(id).catch(() => undefined)));
  }

  /** Drops all connections without touching the kernels. */
  dispose(): void {
    for (const h of this.connections.values()) h.dispose();
    this.connections.clear();
  }

  private connect(model: Kernel.IModel): KernelHandle {
    const conn = new KernelConnection({
      model,
      serverSettings: this.settings,
      handleComms: false,
      username: 'd1',
    });
    const handle = new KernelHandle(conn);
    this.connections.set(model.id, handle);
    handle.on('status', (state) => this.emit('status', model.id, state));
    handle.once('disposed', () => {
      if (this.connections.get(model.id) === handle) this.connections.delete(model.id);
    });
    return handle;
  }

  private async rest(method: string, path: string, body: unknown, what: string): Promise<unknown> {
    const url = new URL(path, withSlash(this.opts.baseUrl)).toString();
    const init: RequestInit = { method, signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000) };
    if (body !== undefined) init.body = JSON.stringify(body);
    let res: Response;
    try {
      res = await ServerConnection.makeRequest(url, init, this.settings);
    } catch (err) {
      throw translateError(err, what);
    }
    if (res.status === 404) throw new RelayError('not_found', `${what}: not found`);
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      // Some handlers wrap their own 404 in a 500 (a kernel that vanished mid-request).
      if (/Kernel does not exist/i.test(text)) throw new RelayError('not_found', `${what}: not found`);
      const kind = res.status >= 500 ? 'unavailable' : 'bad_request';
      throw new RelayError(kind, `${what}: kernel service answered ${res.status} ${firstLine(text)}`.trim());
    }
    if (res.status === 204) return undefined;
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  }
}

function makeSettings(opts: RelayOptions): ServerConnection.ISettings {
  const baseUrl = withSlash(opts.baseUrl);
  return ServerConnection.makeSettings({
    baseUrl,
    wsUrl: opts.wsUrl ? withSlash(opts.wsUrl) : baseUrl.replace(/^http/, 'ws'),
    token: opts.token,
    appendToken: true,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  });
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** What a kernel service's error body says, in one line: its message, or the exception its traceback ends with. */
function firstLine(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: string; reason?: string; traceback?: string };
    const cause = parsed.traceback?.trim().split('\n').pop()?.trim();
    // Jupyter Server answers "Unhandled error" for a kernel that failed to launch; the traceback says why.
    if (cause && (!parsed.message || parsed.message === 'Unhandled error')) return cause.slice(0, 300);
    return parsed.message ?? parsed.reason ?? '';
  } catch {
    return text.split('\n')[0].slice(0, 200);
  }
}
