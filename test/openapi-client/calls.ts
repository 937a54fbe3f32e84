// Calls a client makes through openapi-fetch over the types openapi-typescript generates from d1's document.
// The suite type-checks this file against those types (a call the document does not allow fails to compile),
// then runs the calls against a real d1, checking each response against the document at run time too. The
// root tsconfig leaves this directory out: it compiles only once test/openapi.e2e-spec.ts generated the types.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './generated/d1';
import type { Truthy } from '../support/wait';

export type D1Client = Client<paths>;
type Schemas = components['schemas'];
type Cell = Schemas['Cell'];

/** What the suite hands in: where d1 is, its secret, the response checker and a way to wait. */
export interface CallContext {
  baseUrl: string;
  secret: string;
  checker: Middleware;
  waitFor<T>(check: () => T | Promise<T>, what: string, ms?: number): Promise<Truthy<T>>;
  /** Makes a directory under the root dir. */
  mkdir(relative: string): void;
}

/** The three clients of a session: read+write, read-only and anonymous. */
export interface Session {
  ctx: CallContext;
  rw: D1Client;
  ro: D1Client;
  anon: D1Client;
}

function client(ctx: CallContext, token?: string): D1Client {
  const c = createClient<paths>({
    baseUrl: ctx.baseUrl,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  c.use(ctx.checker);
  return c;
}

/** The body of a successful answer; anything else throws with what d1 said. */
function ok<T>(res: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (res.error !== undefined || res.data === undefined) {
    throw new Error(`${what}: ${res.response.status} ${JSON.stringify(res.error)}`);
  }
  return res.data;
}

function status(res: { response: Response }): number {
  return res.response.status;
}

/** Logs in with the shared secret, mints a read-only token. */
export async function connect(ctx: CallContext): Promise<Session> {
  const anon = client(ctx);
  const login = ok(
    await anon.GET('/login/access-token', { headers: { Authorization: ctx.secret } }),
    'login',
  );
  expect(login.token.token_type).toBe('bearer');
  const rw = client(ctx, login.token.access_token);
  const minted = ok(
    await rw.POST('/login/token', { body: { read_access: true, write_access: false, expires_in: 600 } }),
    'mint',
  );
  const ro = client(ctx, minted.token.access_token);
  const perm = ok(await ro.POST('/login/test-token'), 'test-token');
  expect(perm.permission).toMatchObject({ read_access: true, write_access: false });
  return { ctx, rw, ro, anon };
}

/** Creates, lists, reads, saves, renames, reopens and reloads a notebook; returns its uuid. */
export async function notebookLifecycle({ rw, ctx }: Session): Promise<string> {
  ctx.mkdir('typed');
  const created = ok(
    await rw.POST('/notebooks/create', { params: { query: { filename: 'typed', directory: 'typed' } } }),
    'create',
  );
  const uuid = created.notebook.metadata.jupyter_d1.uuid;
  expect(created.notebook.metadata.jupyter_d1.path).toMatch(/typed\/typed\.ipynb$/);
  const listed = ok(await rw.GET('/notebooks'), 'list');
  expect(listed.notebooks.map((n) => n.metadata.jupyter_d1.uuid)).toContain(uuid);
  const got = ok(await rw.GET('/notebooks/{uuid}', { params: { path: { uuid } } }), 'get');
  expect(got.version).toBeGreaterThanOrEqual(0);
  const meta = ok(
    await rw.GET('/notebooks/metadata/', { params: { query: { filepath: 'typed/typed.ipynb' } } }),
    'metadata',
  );
  expect(meta.metadata).toHaveProperty('jupyter_d1');
  const saved = ok(
    await rw.PATCH('/notebooks/{uuid}/save_as', {
      params: { path: { uuid }, query: { filename: 'copy', directory: 'typed', overwrite: true } },
    }),
    'save_as',
  );
  expect(saved.path).toMatch(/typed\/copy\.ipynb$/);
  const renamed = ok(
    await rw.PATCH('/notebooks/{uuid}/rename', {
      params: { path: { uuid }, query: { filename: 'renamed', directory: 'typed' } },
    }),
    'rename',
  );
  expect(renamed.path).toMatch(/typed\/renamed\.ipynb$/);
  const reopened = ok(
    await rw.POST('/notebooks/open/', { params: { query: { filepath: 'typed/renamed.ipynb' } } }),
    'open',
  );
  expect(reopened.notebook.metadata.jupyter_d1.uuid).toBe(uuid);
  const reloaded = ok(await rw.POST('/notebooks/{uuid}/reload', { params: { path: { uuid } } }), 'reload');
  expect(reloaded.notebook.metadata.jupyter_d1.uuid).toBe(uuid);
  return uuid;
}

/** Adds, edits, moves, splits, merges, clears, undoes and redoes cells; returns the code cell's id. */
export async function cellEdits({ rw }: Session, uuid: string): Promise<string> {
  const nb = { path: { uuid } };
  const code = ok(
    await rw.POST('/notebooks/{uuid}/cells', { params: nb, body: { source: 'x = 6 * 7\nx' } }),
    'add',
  );
  const text = ok(
    await rw.POST('/notebooks/{uuid}/cells', {
      params: nb,
      body: { cell_type: 'markdown', source: '# Title' },
    }),
    'add markdown',
  );
  const codeId = code.cell.id;
  expect(text.cell.cell_type).toBe('markdown');
  const patched = ok(
    await rw.PATCH('/notebooks/{uuid}/cells/{cell_uuid}', {
      params: { path: { uuid, cell_uuid: text.cell.id } },
      body: { source: '# Title\n\nText' },
    }),
    'patch',
  );
  expect(patched.patch).toBeNull();
  const cell = { path: { uuid, cell_uuid: text.cell.id } };
  expect(
    status(
      await rw.POST('/notebooks/{uuid}/cells/{cell_uuid}/move', {
        params: { ...cell, query: { before: codeId } },
      }),
    ),
  ).toBe(204);
  expect(
    status(
      await rw.POST('/notebooks/{uuid}/cells/{cell_uuid}/split', {
        params: { ...cell, query: { split_location: 7 } },
      }),
    ),
  ).toBe(204);
  expect(
    status(
      await rw.POST('/notebooks/{uuid}/cells/{cell_uuid}/merge', {
        params: { ...cell, query: { above: false } },
      }),
    ),
  ).toBe(204);
  expect(status(await rw.GET('/notebooks/{uuid}/undo', { params: nb }))).toBe(204);
  expect(status(await rw.POST('/notebooks/{uuid}/redo', { params: nb }))).toBe(204);
  expect(status(await rw.POST('/notebooks/{uuid}/cells/{cell_uuid}/clear', { params: cell }))).toBe(204);
  expect(status(await rw.POST('/notebooks/{uuid}/clear_all', { params: nb }))).toBe(204);
  const cells = ok(await rw.GET('/notebooks/{uuid}/cells', { params: nb }), 'cells').cells;
  expect(cells.map((c: Cell) => c.cell_type)).toEqual(['markdown', 'code']);
  const one = ok(
    await rw.GET('/notebooks/{uuid}/cells/{cell_uuid}', { params: { path: { uuid, cell_uuid: codeId } } }),
    'cell',
  );
  expect(one.cell.metadata.jupyter_d1.position).toBe(1);
  return codeId;
}

async function outputsWhenIdle(s: Session, uuid: string, cellId: string): Promise<Schemas['Output'][]> {
  return s.ctx.waitFor(
    async () => {
      const got = ok(
        await s.rw.GET('/notebooks/{uuid}/cells/{cell_uuid}', {
          params: { path: { uuid, cell_uuid: cellId } },
        }),
        'cell',
      );
      const c = got.cell;
      return c.cell_type === 'code' &&
        c.metadata.jupyter_d1.execution_state === 'idle' &&
        c.execution_count !== null
        ? c.outputs
        : null;
    },
    'the cell to run',
    30_000,
  );
}

/** Runs cells, scratch code, completion, history, variables and the kernel actions of a notebook. */
export async function execution(s: Session, uuid: string, cellId: string): Promise<void> {
  const { rw } = s;
  const nb = { path: { uuid } };
  const run = ok(
    await rw.POST('/notebooks/{uuid}/cells/{cell_uuid}/execute', {
      params: { path: { uuid, cell_uuid: cellId } },
    }),
    'execute',
  );
  expect(typeof run.kernel_message.message_id).toBe('string');
  const outputs = await outputsWhenIdle(s, uuid, cellId);
  const result = outputs.find((o) => o.output_type === 'execute_result');
  expect(result?.output_type === 'execute_result' && result.data['text/plain']).toBe('42');
  const both = ok(
    await rw.PATCH('/notebooks/{uuid}/cells/{cell_uuid}/execute', {
      params: { path: { uuid, cell_uuid: cellId } },
      body: { source: 'x = 6 * 7\nprint(x)' },
    }),
    'patch and execute',
  );
  expect(both.cell.source).toBe('x = 6 * 7\nprint(x)');
  await outputsWhenIdle(s, uuid, cellId);
  const all = ok(
    await rw.POST('/notebooks/{uuid}/execute_all', { params: { ...nb, query: { above_position: 0 } } }),
    'execute_all',
  );
  expect(all.kernel_messages).toHaveLength(1);
  await outputsWhenIdle(s, uuid, cellId);
  ok(await rw.POST('/notebooks/{uuid}/scratch_execute', { params: nb, body: { code: '1 + 1' } }), 'scratch');
  ok(
    await rw.POST('/notebooks/{uuid}/complete', {
      params: nb,
      body: { code: 'import o', cursor_position: 8 },
    }),
    'complete',
  );
  ok(await s.ro.POST('/notebooks/{uuid}/history', { params: nb }), 'history');
  const pending = ok(await s.ro.GET('/notebooks/{uuid}/input', { params: nb }), 'pending input');
  expect(pending.input_request).toBeNull();
  const vars = await s.ctx.waitFor(
    async () => {
      const got = ok(await rw.GET('/notebooks/{uuid}/vars', { params: nb }), 'vars').vars;
      return got.some((v) => v.name === 'x') ? got : null;
    },
    'x among the variables',
    30_000,
  );
  expect(vars.find((v) => v.name === 'x')?.type).toBe('int');
  const x = ok(
    await rw.GET('/notebooks/{uuid}/vars/{name}', {
      params: { path: { uuid, name: 'x' }, query: { page: 0 } },
    }),
    'var',
  );
  expect(x.single_var.value?.single_value).toBe('42');
  const sorted = ok(
    await rw.POST('/notebooks/{uuid}/vars/{name}', {
      params: { path: { uuid, name: 'x' }, query: { page_size: 10 } },
      body: { sort_by: [0], ascending: [true], filters: [] },
    }),
    'sorted var',
  );
  expect(sorted.single_var.name).toBe('x');
  s.ctx.mkdir('typed/work');
  ok(
    await rw.PATCH('/notebooks/{uuid}/change_working_directory', {
      params: { ...nb, query: { directory: 'typed/work' } },
    }),
    'chdir',
  );
  expect(status(await rw.POST('/notebooks/{uuid}/interrupt_kernel', { params: nb }))).toBe(204);
  expect(status(await rw.POST('/notebooks/{uuid}/restart_kernel_and_clear_output', { params: nb }))).toBe(
    204,
  );
  const rerun = ok(
    await rw.POST('/notebooks/{uuid}/restart_kernel_and_execute_all', { params: nb }),
    'restart and run all',
  );
  expect(rerun.kernel_messages).toHaveLength(1);
  await outputsWhenIdle(s, uuid, cellId);
}

/** Uploads notebooks: to a file, and opened in memory. */
export async function uploads({ rw }: Session): Promise<void> {
  const notebook: Schemas['NotebookUpload'] = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ cell_type: 'code', source: '1', metadata: {}, outputs: [], execution_count: null }],
  };
  const written = ok(
    await rw.POST('/notebooks/upload', {
      params: { query: { filename: 'uploaded', directory: 'typed' } },
      body: notebook,
    }),
    'upload',
  );
  expect(written.path).toBe('typed/uploaded.ipynb');
  const opened = ok(
    await rw.POST('/notebooks/upload_and_open', { params: { query: { autosave: false } }, body: notebook }),
    'upload_and_open',
  );
  const uuid = opened.notebook.metadata.jupyter_d1.uuid;
  expect(opened.notebook.cells).toHaveLength(1);
  expect(status(await rw.DELETE('/notebooks/{uuid}', { params: { path: { uuid } } }))).toBe(204);
}

/** The kernel routes of d1 and the headless kernel API. */
export async function kernels(s: Session, notebookUuid: string): Promise<void> {
  const { rw, ro } = s;
  const specs = ok(await ro.GET('/kernels/specs'), 'specs').kernel_specs;
  expect(specs.map((k) => k.kernel_name)).toContain('python3');
  ok(await ro.GET('/kernels/idle'), 'idle');
  const alive = ok(
    await ro.GET('/kernels/is_alive/{id}', { params: { path: { id: notebookUuid } } }),
    'is_alive',
  );
  expect(alive.kernel_is_alive).toBe(true);
  const started = ok(await rw.POST('/kernels', { body: { name: 'python3' } }), 'start kernel');
  const id = { path: { id: started.id } };
  expect(ok(await ro.GET('/kernels'), 'list kernels').map((k) => k.id)).toContain(started.id);
  expect(ok(await ro.GET('/kernels/{id}', { params: id }), 'kernel').name).toBe('python3');
  const stream = ok(
    await rw.POST('/kernels/{id}/execute', { params: id, body: { code: 'print("hi")' }, parseAs: 'text' }),
    'execute on a kernel',
  );
  expect(
    stream
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as Schemas['KernelStreamLine']).msg_type),
  ).toContain('stream');
  expect(status(await rw.POST('/kernels/{id}/interrupt', { params: id }))).toBe(204);
  expect(status(await rw.POST('/kernels/{id}/restart', { params: id }))).toBe(204);
  expect(status(await rw.GET('/kernels/interrupt/{id}', { params: id }))).toBe(204);
  expect(status(await rw.DELETE('/kernels/{id}', { params: id }))).toBe(204);
}

/** Server facts, supervised processes and the public probes. */
export async function server({ ro, anon }: Session): Promise<void> {
  const version = ok(await ro.GET('/server/version'), 'version').version;
  expect(version).toEqual({
    major: expect.any(Number),
    minor: expect.any(Number),
    micro: expect.any(Number),
  });
  ok(await ro.GET('/server/environment'), 'environment');
  expect(ok(await ro.GET('/server/jupyter'), 'jupyter').server_info.mode).toBe('embedded');
  ok(await ro.GET('/server/stats', { params: { query: { limit: 5, skip: 0 } } }), 'stats');
  ok(await ro.GET('/server/latest_stats'), 'latest stats');
  const processes = ok(await ro.GET('/server/processes'), 'processes').processes;
  expect(processes.map((p) => p.name)).toContain('jupyter');
  const logs = ok(
    await ro.GET('/server/processes/{name}/logs', {
      params: { path: { name: 'jupyter' }, query: { lines: 5 } },
    }),
    'logs',
  );
  expect(logs.lines.length).toBeLessThanOrEqual(5);
  expect(ok(await anon.GET('/hello'), 'hello').message).toBe('Hello World');
  expect(
    ok(await anon.GET('/hello/{name}', { params: { path: { name: 'there' } } }), 'hello there').message,
  ).toBe('Hello there');
  expect(ok(await anon.GET('/livez'), 'livez').status).toBe('ok');
  expect(ok(await anon.GET('/healthz'), 'healthz').status).toBe('ok');
  expect(ok(await anon.GET('/readyz'), 'readyz').status).toBe('ready');
  const metrics = ok(await ro.GET('/metrics', { parseAs: 'text' }), 'metrics');
  expect(metrics).toContain('# TYPE');
}

/** Requests d1 refuses, each with the status and error code the document declares for it. */
export async function refusals(s: Session, uuid: string, codeCell: string): Promise<void> {
  const { rw, ro, anon } = s;
  const nb = { path: { uuid } };
  const unknown = '00000000-0000-4000-8000-000000000000';
  const expectError = (
    res: { error?: Schemas['ErrorResponse']; response: Response },
    code: number,
    error: string,
  ) => {
    expect([res.response.status, res.error?.error]).toEqual([code, error]);
  };
  expectError(await anon.GET('/notebooks'), 401, 'UNAUTHORIZED');
  expectError(
    await ro.POST('/notebooks/create', { params: { query: { filename: 'nope' } } }),
    403,
    'FORBIDDEN',
  );
  expectError(
    await rw.GET('/notebooks/{uuid}', { params: { path: { uuid: unknown } } }),
    404,
    'NOTEBOOK_NOT_FOUND',
  );
  expectError(
    await rw.GET('/notebooks/{uuid}/cells/{cell_uuid}', { params: { path: { uuid, cell_uuid: unknown } } }),
    404,
    'CELL_NOT_FOUND',
  );
  expectError(
    await rw.GET('/notebooks/{uuid}', { params: { path: { uuid: 'not-a-uuid' } } }),
    422,
    'VALIDATION_ERROR',
  );
  expectError(
    await rw.POST('/notebooks/{uuid}/cells/{cell_uuid}/split', {
      params: {
        path: { uuid, cell_uuid: codeCell },
        query: { split_location: 'middle' as unknown as number },
      },
    }),
    422,
    'VALIDATION_ERROR',
  );
  expectError(
    await rw.POST('/notebooks/{uuid}/cells/{cell_uuid}/cancel', {
      params: { path: { uuid, cell_uuid: codeCell } },
    }),
    409,
    'CONFLICT',
  );
  expectError(
    await rw.POST('/notebooks/{uuid}/input', { params: nb, body: { value: 'x' } }),
    409,
    'CONFLICT',
  );
  expectError(
    await rw.POST('/notebooks/create', { params: { query: { filename: 'renamed', directory: 'typed' } } }),
    400,
    'BAD_REQUEST',
  );
  expectError(
    await rw.POST('/notebooks/{uuid}/scratch_execute', { params: nb, body: { code: 'x'.repeat(200_000) } }),
    413,
    'PAYLOAD_TOO_LARGE',
  );
  expectError(
    await rw.POST('/notebooks/{uuid}/scratch_execute', {
      params: nb,
      body: { code: '1' },
      bodySerializer: () => '{"code": ',
    }),
    400,
    'INVALID_JSON',
  );
  expectError(await rw.GET('/kernels/{id}', { params: { path: { id: unknown } } }), 404, 'NOT_FOUND');
  expectError(
    await rw.GET('/server/processes/{name}/logs', { params: { path: { name: 'nothing' } } }),
    404,
    'NOT_FOUND',
  );
  expectError(
    await rw.POST('/server/processes/{name}/stop', { params: { path: { name: 'jupyter' } } }),
    409,
    'CONFLICT',
  );
  expect(status(await rw.DELETE('/notebooks/{uuid}', { params: nb }))).toBe(204);
  expect(status(await rw.DELETE('/notebooks'))).toBe(204);
}

/** Wrong secrets until d1 throttles this client (run it last: the client may not log in for a minute). */
export async function throttledLogin({ ctx, anon }: Session): Promise<void> {
  const tries = async (): Promise<number> =>
    status(await anon.GET('/login/access-token', { headers: { Authorization: 'wrong' } }));
  const seen: number[] = [];
  for (let i = 0; i < 12; i++) seen.push(await tries());
  expect(seen[0]).toBe(401);
  expect(seen).toContain(429);
  void ctx;
}

/**
 * Calls the document forbids: each must fail to compile (`@ts-expect-error` fails the type check when the
 * generated types would accept the call). Never run.
 */
export function refusedByTheTypes(rw: D1Client): void {
  const path = { uuid: 'u', cell_uuid: 'c' };
  // @ts-expect-error -- a notebook's path parameter is required
  void rw.GET('/notebooks/{uuid}', { params: { path: {} } });
  // @ts-expect-error -- create needs a filename
  void rw.POST('/notebooks/create', { params: { query: { directory: 'x' } } });
  const query = { split_location: '1' };
  // @ts-expect-error -- split_location is an integer
  void rw.POST('/notebooks/{uuid}/cells/{cell_uuid}/split', { params: { path, query } });
  // @ts-expect-error -- cell types are code, markdown or raw
  void rw.POST('/notebooks/{uuid}/cells', { params: { path }, body: { cell_type: 'python' } });
  // @ts-expect-error -- scratch code is required
  void rw.POST('/notebooks/{uuid}/scratch_execute', { params: { path }, body: {} });
  // @ts-expect-error -- there is no such route
  void rw.GET('/notebooks/{uuid}/outputs', { params: { path } });
  void rw.GET('/notebooks').then(({ data }) => {
    // @ts-expect-error -- the answer is {notebooks: [...]}, not a bare list
    void data?.length;
  });
}
