import { parseMultistatus } from './dav';
import type {
  CellJson,
  CellPatch,
  CellType,
  DirEntry,
  FileTarget,
  InputRequest,
  KernelMessageRef,
  NotebookJson,
  Permission,
} from './types';

/** d1's error JSON (`{error, reason, detail}`) as a thrown error; status 0 when the server was not reached. */
export class D1Error extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
    readonly detail: unknown = null,
  ) {
    super(`${status} ${error}: ${reason}`);
    this.name = 'D1Error';
  }
}

export interface D1ClientOptions {
  /** d1's address, e.g. `http://127.0.0.1:8000/` or, in a page, `new URL('.', location.href)`. */
  baseUrl: string | URL;
  /** A JWT from `/login/access-token` or `/login/token`. */
  token?: string | null;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | undefined | null>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Where a notebook's file goes in save_as / rename. */
export interface SaveTarget extends FileTarget {
  overwrite?: boolean;
}

/** A notebook with the version its websocket messages had reached (`GET /notebooks/{uuid}`). */
export interface VersionedNotebook {
  notebook: NotebookJson;
  version: number;
}

/** Typed calls to d1's REST API and WebDAV listing; every call carries the token. */
export class D1Client {
  readonly baseUrl: string;
  token: string | null;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: D1ClientOptions) {
    const base = String(opts.baseUrl);
    this.baseUrl = base.endsWith('/') ? base : `${base}/`;
    this.token = opts.token ?? null;
    this.fetchImpl = opts.fetch ?? ((...args) => fetch(...args));
  }

  /** The absolute URL of a d1 path (relative to baseUrl, so d1 works under a path prefix). */
  url(path: string, query: Query = {}): string {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    for (const [k, v] of Object.entries(query))
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    return url.href;
  }

  /** The ws:// or wss:// URL of a d1 websocket path. */
  wsUrl(path: string, query: Query = {}): string {
    return this.url(path, query).replace(/^http/, 'ws');
  }

  /** Sends one request; resolves to the parsed JSON body (undefined for 204), throws D1Error otherwise. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.token && !headers.authorization) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const res = await this.send(this.url(path, opts.query), { method, headers, body });
    const text = await res.text();
    if (!res.ok) throw errorOf(res.status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, { ...init, credentials: 'omit', cache: 'no-store' });
    } catch (err) {
      throw new D1Error(0, 'NETWORK', `d1 could not be reached: ${(err as Error).message}`);
    }
  }

  // --- tokens

  /** Exchanges the shared secret for a read+write token (and keeps it for later calls). */
  async login(secret: string): Promise<string> {
    const got = await this.request<{ token: { access_token: string } }>('GET', 'login/access-token', {
      headers: { authorization: secret },
    });
    this.token = got.token.access_token;
    return this.token;
  }

  /** Mints a token that does no more than this one, e.g. read-only for a viewer. */
  async mintToken(perm: {
    read_access: boolean;
    write_access: boolean;
    expires_in?: number;
  }): Promise<string> {
    const got = await this.request<{ token: { access_token: string } }>('POST', 'login/token', {
      body: perm,
    });
    return got.token.access_token;
  }

  /** What the current token may do. */
  async permission(): Promise<Permission> {
    return (await this.request<{ permission: Permission }>('POST', 'login/test-token')).permission;
  }

  // --- notebooks

  /** The open notebooks, each whole. */
  async listNotebooks(): Promise<NotebookJson[]> {
    return (await this.request<{ notebooks: NotebookJson[] }>('GET', 'notebooks')).notebooks;
  }

  /** One open notebook with its version (the `?since` to connect with). */
  getNotebook(uuid: string): Promise<VersionedNotebook> {
    return this.request('GET', `notebooks/${uuid}`);
  }

  /** Opens a notebook file (relative to the root dir); an open one is returned as it is. */
  async openNotebook(filepath: string, opts: { kspec_name?: string } = {}): Promise<NotebookJson> {
    const q = { filepath, ...opts };
    return (await this.request<{ notebook: NotebookJson }>('POST', 'notebooks/open/', { query: q })).notebook;
  }

  /** Creates an empty notebook file and opens it. */
  async createNotebook(target: FileTarget & { kspec_name?: string }): Promise<NotebookJson> {
    const q = { ...target };
    return (await this.request<{ notebook: NotebookJson }>('POST', 'notebooks/create', { query: q }))
      .notebook;
  }

  /** Closes a notebook (its file stays). */
  async closeNotebook(uuid: string): Promise<void> {
    await this.request('DELETE', `notebooks/${uuid}`);
  }

  /** Writes the notebook to a new file, which it keeps; resolves to the absolute path. */
  async saveAs(uuid: string, target: SaveTarget): Promise<string> {
    return (
      await this.request<{ path: string }>('PATCH', `notebooks/${uuid}/save_as`, { query: { ...target } })
    ).path;
  }

  /** Moves the notebook to a new file name (the old file goes); resolves to the absolute path. */
  async rename(uuid: string, target: SaveTarget): Promise<string> {
    return (
      await this.request<{ path: string }>('PATCH', `notebooks/${uuid}/rename`, { query: { ...target } })
    ).path;
  }

  /** Replaces the notebook with its file's content (after `notebook_file_changed`). */
  reload(uuid: string): Promise<VersionedNotebook> {
    return this.request('POST', `notebooks/${uuid}/reload`);
  }

  // --- cells

  /** Adds a cell before `before`, or at the end. */
  async addCell(
    uuid: string,
    cell: { cell_type?: CellType; source?: string; before?: string } = {},
  ): Promise<CellJson> {
    return (await this.request<{ cell: CellJson }>('POST', `notebooks/${uuid}/cells`, { body: cell })).cell;
  }

  /** Changes a cell's source and/or type. */
  async patchCell(uuid: string, cell: string, patch: CellPatch): Promise<CellJson> {
    return (
      await this.request<{ cell: CellJson }>('PATCH', `notebooks/${uuid}/cells/${cell}`, { body: patch })
    ).cell;
  }

  /** Deletes a cell. */
  async deleteCell(uuid: string, cell: string): Promise<void> {
    await this.request('DELETE', `notebooks/${uuid}/cells/${cell}`);
  }

  /** Moves a cell before `before`, or to the end. */
  async moveCell(uuid: string, cell: string, before?: string): Promise<void> {
    await this.request('POST', `notebooks/${uuid}/cells/${cell}/move`, { query: { before } });
  }

  /** Joins a cell with the one below (or above). */
  async mergeCell(uuid: string, cell: string, above = false): Promise<void> {
    await this.request('POST', `notebooks/${uuid}/cells/${cell}/merge`, { query: { above } });
  }

  /** Splits a cell's source at a character offset; the rest goes to a new cell below. */
  async splitCell(uuid: string, cell: string, at: number): Promise<void> {
    await this.request('POST', `notebooks/${uuid}/cells/${cell}/split`, { query: { split_location: at } });
  }

  /** Clears a cell's outputs and count. */
  async clearCell(uuid: string, cell: string): Promise<void> {
    await this.request('POST', `notebooks/${uuid}/cells/${cell}/clear`);
  }

  /** Clears every cell's outputs. */
  async clearAll(uuid: string): Promise<void> {
    await this.request('POST', `notebooks/${uuid}/clear_all`);
  }

  /** Undoes the last cell change (d1 keeps the history). */
  async undo(uuid: string): Promise<void> {
    await this.request('POST', `notebooks/${uuid}/undo`);
  }

  /** Redoes the last undone cell change. */
  async redo(uuid: string): Promise<void> {
    await this.request('POST', `notebooks/${uuid}/redo`);
  }

  // --- execution

  /** Queues a cell for its kernel. */
  async execute(uuid: string, cell: string): Promise<KernelMessageRef> {
    const path = `notebooks/${uuid}/cells/${cell}/execute`;
    return (await this.request<{ kernel_message: KernelMessageRef }>('POST', path)).kernel_message;
  }

  /** Changes a cell, then queues it, in one call. */
  async patchAndExecute(uuid: string, cell: string, patch: CellPatch): Promise<KernelMessageRef> {
    const path = `notebooks/${uuid}/cells/${cell}/execute`;
    return (await this.request<{ kernel_message: KernelMessageRef }>('PATCH', path, { body: patch }))
      .kernel_message;
  }

  /** Queues every code cell (or those above/below a position). */
  async executeAll(uuid: string, range: { above_position?: number; below_position?: number } = {}) {
    const got = await this.request<{ kernel_messages: KernelMessageRef[] }>(
      'POST',
      `notebooks/${uuid}/execute_all`,
      {
        query: { ...range },
      },
    );
    return got.kernel_messages;
  }

  /** Takes a queued cell off the queue (409 when it runs already). */
  async cancel(uuid: string, cell: string): Promise<void> {
    await this.request('POST', `notebooks/${uuid}/cells/${cell}/cancel`);
  }

  /** Interrupts the running cell and empties the queue. */
  async interrupt(uuid: string): Promise<void> {
    await this.request('POST', `notebooks/${uuid}/interrupt_kernel`);
  }

  /** Restarts the kernel; `clear` also clears outputs, `run_all` clears them and runs every code cell. */
  async restart(uuid: string, then: 'nothing' | 'clear' | 'run_all' = 'nothing'): Promise<void> {
    const route = {
      nothing: 'restart_kernel',
      clear: 'restart_kernel_and_clear_output',
      run_all: 'restart_kernel_and_execute_all',
    };
    await this.request('POST', `notebooks/${uuid}/${route[then]}`);
  }

  /** Answers the input() the kernel waits for. */
  async answerInput(uuid: string, value: string): Promise<void> {
    await this.request('POST', `notebooks/${uuid}/input`, { body: { value } });
  }

  /** The input() the kernel waits for, or null. */
  async pendingInput(uuid: string): Promise<InputRequest | null> {
    return (await this.request<{ input_request: InputRequest | null }>('GET', `notebooks/${uuid}/input`))
      .input_request;
  }

  /** Runs code outside any cell; results arrive as `scratch_update` messages. */
  async scratch(uuid: string, code: string): Promise<KernelMessageRef> {
    const got = await this.request<{ kernel_message: KernelMessageRef }>(
      'POST',
      `notebooks/${uuid}/scratch_execute`,
      {
        body: { code },
      },
    );
    return got.kernel_message;
  }

  // --- files

  /** The entries of a directory under the root dir (WebDAV PROPFIND, the token as Basic password). */
  async listDirectory(dir = ''): Promise<DirEntry[]> {
    const clean = dir.split('/').filter(Boolean).map(encodeURIComponent).join('/');
    const url = this.url(`dav/${clean}${clean ? '/' : ''}`);
    const headers: Record<string, string> = { depth: '1', 'content-type': 'application/xml' };
    if (this.token) headers.authorization = `Basic ${btoa(`:${this.token}`)}`;
    const res = await this.send(url, { method: 'PROPFIND', headers });
    const text = await res.text();
    if (res.status !== 207) throw errorOf(res.status, text);
    return parseMultistatus(text);
  }
}

function errorOf(status: number, text: string): D1Error {
  try {
    const body = JSON.parse(text) as { error?: string; reason?: string; detail?: unknown };
    if (typeof body.error === 'string')
      return new D1Error(status, body.error, body.reason ?? '', body.detail ?? null);
    if (body.detail !== undefined)
      return new D1Error(status, `HTTP_${status}`, String(body.detail), body.detail);
  } catch {
    // not JSON: WebDAV answers bare statuses
  }
  return new D1Error(status, `HTTP_${status}`, text || `HTTP ${status}`);
}
