import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { routeIndexOf } from '../apps/d1/src/common/route-index';
import { WS_FEEDS } from '../apps/d1/src/common/openapi-ws-schemas';
import { useD1, waitFor } from './support/d1';
import { OpenApiDoc, generateClientTypes, lintOpenApi, typeCheckClient } from './support/openapi';
import { CheckedResponse, responseChecker } from './support/openapi-responses';
import { WsRecorder } from './support/ws';
import { checkFeedSchemas, messageType } from './support/ws-schemas';

/* eslint-disable @typescript-eslint/no-explicit-any */

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
/** Served outside the Nest routes the document describes: its own UI, WebDAV, the proxy, MCP, websockets. */
// Outside the REST API: the docs themselves, WebDAV, the proxy, MCP, websockets, and the page's static files.
const UNDOCUMENTED = /^\/(docs|dav|proxy|mcp)(\b|\/|-)|\/ws\/|^\/server\/ws$|^\/$|^\/assets\//;
const ANY_UUID = '5b2e4e0c-9c63-4d8e-9a59-2f1c3c8f7a10';

/** Every operation of the document as `[METHOD, path, operation]`. */
function operations(doc: OpenApiDoc): Array<[string, string, any]> {
  return Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
    METHODS.filter((m) => item[m]).map((m): [string, string, any] => [m.toUpperCase(), path, item[m]]),
  );
}

/** A request path for a path template: every parameter filled with something well formed. */
function concrete(path: string): string {
  return path.replace(/\{(uuid|cell_uuid|id)\}/g, ANY_UUID).replace(/\{\w+\}/g, 'x');
}

/** The calls of test/openapi-client, loaded at run time: that directory compiles only once types exist. */
type Calls = Record<string, (...args: any[]) => Promise<any>>;

describe('the OpenAPI document', () => {
  // A small JSON body limit, so that a 413 costs little.
  const d1 = useD1({ maxJsonBodyBytes: 64 * 1024 }, { timeoutMs: 60_000 });
  let doc: OpenApiDoc;
  let raw: string;

  beforeAll(async () => {
    const res = await fetch(`${d1.baseUrl}/docs-json`);
    raw = await res.text();
    doc = JSON.parse(raw);
  }, 60_000);

  it('is served without a token, as JSON, YAML and the UI, and carries no secret', async () => {
    for (const [path, type] of [
      ['/docs-json', 'application/json'],
      ['/docs-yaml', 'text/yaml'],
      ['/docs', 'text/html'],
    ]) {
      const res = await d1.request('GET', path, { auth: null });
      expect([path, res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([path, 200, type]);
    }
    const jwtSecret = (d1.config as unknown as { jwtSecret?: string }).jwtSecret;
    for (const secret of [d1.secret, jwtSecret, d1.rootDir, await d1.token()].filter(Boolean)) {
      expect(raw.includes(secret as string)).toBe(false);
    }
  });

  it("passes Redocly's recommended-strict lint, but for the d1 paths it keeps", async () => {
    expect(await lintOpenApi(doc)).toEqual([]);
  });

  it("says d1's version from package.json, and describes what is not REST under tags", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    expect(doc.openapi).toMatch(/^3\.0\./);
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.info.license.name).toBe(pkg.license);
    const tags = Object.fromEntries(doc.tags.map((t: any) => [t.name, t.description as string]));
    expect(tags.webdav).toContain('`/dav/`');
    expect(tags.proxy).toContain('`/proxy/<name>/');
    expect(tags.mcp).toContain('`/mcp`');
    for (const feed of Object.values(WS_FEEDS))
      expect(tags.websockets).toContain(`| \`${feed.path}\` | \`${feed.schema}\` |`);
  });

  it('documents every route the server answers, and nothing else', () => {
    const fastify = (d1.app as NestFastifyApplication).getHttpAdapter().getInstance();
    const served = routeIndexOf(fastify)!
      .list()
      .filter((r) => !UNDOCUMENTED.test(r.url) && r.url !== '*')
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}').replace(/\/\/$/, '/')}`);
    const documented = operations(doc).map(([m, p]) => `${m} ${p}`);
    expect([...new Set(served)].sort()).toEqual([...documented].sort());
    expect(documented.length).toBeGreaterThan(80);
    // Each GET-style action of the original d1 is documented with its POST twin, under its own operation id.
    const ids = operations(doc).map(([, , op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      doc.paths['/notebooks/{uuid}/cells/{cell_uuid}/move'].post.parameters.map((p: any) => p.name),
    ).toEqual(['uuid', 'cell_uuid', 'before']);
  });

  it('gives every route but the public ones bearer security and 401/403 answers, as the server enforces', async () => {
    const readOnly = await d1.token({ read_access: true, write_access: false });
    const refused: string[] = [];
    for (const [method, path, op] of operations(doc)) {
      const access = op['x-d1-access'];
      expect([path, access]).toEqual([path, expect.stringMatching(/^(public|read|write)$/)]);
      const url = concrete(path);
      if (access === 'public') {
        expect([path, op.security]).toEqual([path, path === '/login/access-token' ? [{ secret: [] }] : []]);
        continue;
      }
      expect([path, op.security ?? doc.security]).toEqual([path, [{ bearer: [] }]]);
      expect([path, Object.keys(op.responses)]).toEqual([path, expect.arrayContaining(['401', '403'])]);
      // The attack: no token, an invalid one, and a read-only token on what needs write.
      const anonymous = await d1.request(method, url, { auth: null });
      const forged = await d1.request(method, url, { auth: `Bearer ${readOnly}x` });
      const withReadOnly =
        access === 'write' ? await d1.request(method, url, { auth: `Bearer ${readOnly}` }) : null;
      if (anonymous.status !== 401 || forged.status !== 401 || (withReadOnly && withReadOnly.status !== 403))
        refused.push(
          `${method} ${path}: ${anonymous.status} ${forged.status} ${withReadOnly?.status ?? '-'}`,
        );
      // A read-only token is enough for what the document says needs read.
      if (access === 'read' && method === 'GET') {
        const res = await d1.request(method, url, { auth: `Bearer ${readOnly}` });
        if ([401, 403].includes(res.status))
          refused.push(`${method} ${path} refused read-only: ${res.status}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it('documents the query parameters and bodies of the DTOs with their constraints', () => {
    const params = (path: string, method: string) =>
      Object.fromEntries(
        doc.paths[path][method].parameters
          .filter((p: any) => p.in === 'query')
          .map((p: any) => [p.name, { required: p.required, ...p.schema, description: undefined }]),
      );
    expect(params('/notebooks/{uuid}/cells/{cell_uuid}/split', 'get')).toEqual({
      split_location: { required: true, type: 'integer' },
    });
    expect(params('/notebooks/upload_and_open', 'post')).toMatchObject({
      autosave: { required: false, type: 'boolean' },
      filename: { required: false, type: 'string', minLength: 1, pattern: expect.any(String) },
      directory: { required: false, type: 'string' },
      kspec_name: { required: false, type: 'string' },
      working_directory: { required: false, type: 'string' },
    });
    expect(params('/server/stats', 'get')).toEqual({
      limit: { required: false, type: 'integer', minimum: 0, maximum: 100000 },
      skip: { required: false, type: 'integer', minimum: 0 },
    });
    const schemas = doc.components.schemas;
    expect(schemas.AddCellBody).toMatchObject({
      properties: { cell_type: { enum: ['code', 'markdown', 'raw'] }, before: { format: 'uuid' } },
    });
    expect(schemas.AddCellBody.required).toBeUndefined();
    expect(doc.paths['/notebooks/{uuid}/cells'].post.requestBody.required).toBe(false);
    expect(schemas.CompleteBody).toMatchObject({
      required: ['code'],
      properties: { cursor_position: { minimum: 0 } },
    });
    expect(schemas.MintTokenDto.properties.expires_in).toMatchObject({ type: 'integer', minimum: 1 });
    expect(doc.paths['/notebooks/{uuid}/scratch_execute'].post.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/CodeBody' } } },
    });
    expect(doc.paths['/notebooks/upload'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/NotebookUpload',
    });
    // The file name check is a pattern clients can apply before sending.
    const filename = new RegExp(params('/notebooks/create', 'post').filename.pattern);
    expect(['demo', 'a b.ipynb'].every((n) => filename.test(n))).toBe(true);
    expect(['.hidden', '..', 'a/b', ' '].some((n) => filename.test(n))).toBe(false);
  });

  it("answers every error with d1's error JSON, the codes listed by status", () => {
    expect(doc.components.schemas.ErrorResponse).toMatchObject({
      required: ['error', 'reason', 'detail'],
      additionalProperties: false,
    });
    for (const [method, path, op] of operations(doc)) {
      const statuses = Object.keys(op.responses);
      expect([method, path, statuses.some((s) => /^2/.test(s))]).toEqual([method, path, true]);
      for (const status of statuses.filter((s) => /^[45]/.test(s))) {
        const res = op.responses[status];
        expect([path, status, res.content]).toEqual([
          path,
          status,
          { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
        ]);
        expect(res.description).toMatch(/^`[A-Z_]+`: /);
      }
    }
    const create = doc.paths['/notebooks/create'].post.responses;
    expect(Object.keys(create).sort()).toEqual(['201', '400', '401', '403', '404', '422', '503']);
    expect(create['400'].description).toContain('File already exists');
    const cell = doc.paths['/notebooks/{uuid}/cells/{cell_uuid}'].patch.responses;
    expect(cell['404'].description).toMatch(/NOTEBOOK_NOT_FOUND.*\n\n`CELL_NOT_FOUND`/s);
    expect(Object.keys(cell)).toEqual(expect.arrayContaining(['400', '413', '422']));
  });

  it('refers to every component it defines, except the websocket messages', () => {
    const used = new Set([...raw.matchAll(/"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]));
    const feeds = Object.values(WS_FEEDS).map((f) => f.schema);
    const unused = Object.keys(doc.components.schemas).filter((s) => !used.has(s));
    expect(unused.sort()).toEqual([...feeds, 'NotebookFeedCommand'].sort());
  });

  it('generates a TypeScript client whose types check the calls of test/openapi-client', async () => {
    const source = await generateClientTypes(doc);
    expect(source).toContain('"/notebooks/{uuid}/cells/{cell_uuid}/execute"');
    // The type check includes calls the document forbids (@ts-expect-error): it fails if the types are too loose.
    const checked = await typeCheckClient();
    expect(checked.output).toBe('');
    expect(checked.ok).toBe(true);
  }, 120_000);

  describe('a typed client against the running server', () => {
    const log: CheckedResponse[] = [];
    const feeds: WsRecorder[] = [];
    let calls: Calls;
    let session: any;
    let uuid: string;
    let cell: string;
    checkFeedSchemas();

    beforeAll(async () => {
      // Loaded once the types exist (the test above generated them).
      calls = jest.requireActual(join(__dirname, 'openapi-client', 'calls'));
      const token = await d1.token();
      feeds.push(await new WsRecorder(`${d1.wsUrl}/server/ws`, { token }).ready());
      session = await calls.connect({
        baseUrl: d1.baseUrl,
        secret: d1.secret,
        checker: responseChecker(doc, log),
        waitFor,
        mkdir: (relative: string) => mkdirSync(join(d1.rootDir, relative), { recursive: true }),
      });
    });
    afterAll(() => feeds.forEach((f) => f.close()));

    it('creates, saves, renames, reopens and reloads a notebook', async () => {
      uuid = await calls.notebookLifecycle(session);
      const token = await d1.token();
      const base = `${d1.wsUrl}/notebooks/${uuid}/ws`;
      feeds.push(await new WsRecorder(`${base}/notebook`, { token }).ready());
      feeds.push(await new WsRecorder(`${base}/notebook?since=0`, { token }).ready());
      feeds.push(await new WsRecorder(`${base}/stream`, { token }).ready());
    });

    it('edits cells', async () => {
      cell = await calls.cellEdits(session, uuid);
    });

    it('runs cells, scratch code, completions, variables and kernel actions', async () => {
      await calls.execution(session, uuid, cell);
      // Commands over the websocket: one refused, one answered to its sender.
      const client = feeds[1];
      client.send({ command: 'nope', command_id: 'c1' });
      client.send({ command: 'complete', command_id: 'c2', body: { code: 'pri', cursor_position: 3 } });
      await client.until((m) => m.some((x) => x.complete_reply?.command_id === 'c2'), 'the completion');
      expect(client.of('error')).toContainEqual({
        message: "Command 'nope' is not supported",
        command_id: 'c1',
      });
    }, 120_000);

    it('uploads notebooks', async () => {
      await calls.uploads(session);
    });

    it('uses the kernel routes', async () => {
      await calls.kernels(session, uuid);
    }, 60_000);

    it('reads the server facts and the public probes', async () => {
      await calls.server(session);
    });

    it('is refused as the document says', async () => {
      await calls.refusals(session, uuid, cell);
      await calls.throttledLogin(session);
    });

    it('got only documented answers, every body as its schema says', () => {
      expect(log.filter((r) => r.problem).map((r) => `${r.operation} ${r.status}: ${r.problem}`)).toEqual([]);
      const operationsCalled = new Set(log.map((r) => r.operation));
      expect(operationsCalled.size).toBeGreaterThanOrEqual(60);
      expect([...new Set(log.map((r) => r.status))].sort()).toEqual(
        expect.arrayContaining([200, 201, 204, 400, 401, 403, 404, 409, 413, 422, 429]),
      );
    });

    it('received websocket messages of every common kind (each checked against its schema after the suite)', () => {
      const seen = new Set(feeds.flatMap((f) => f.messages.map(messageType)));
      expect([...seen].sort()).toEqual(
        expect.arrayContaining([
          'cell_add',
          'cell_delete',
          'cell_execution_input',
          'cell_execution_reply',
          'cell_execution_request',
          'cell_update',
          'complete_reply',
          'error',
          'history_reply',
          'kernel_interrupted',
          'kernel_restarted',
          'metadata',
          'notebook_snapshot',
          'notebooks',
          'scratch_update',
          'vars',
          'watchdog_event',
        ]),
      );
      expect(feeds[3].messages.length).toBeGreaterThan(10);
    });
  });
});
