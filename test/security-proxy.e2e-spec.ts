import { randomBytes, randomUUID } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JupyterService } from '../apps/d1/src/kernels/jupyter.service';
import { useD1, waitFor } from './support/d1';
import { executeRequest, forgeLoginCookie, openWs, quiet, startStockJupyter } from './support/proxy-attack';
import { ECHO_SERVER, writeProxyConfig } from './support/proxy-config';
import { chunked, rawExchange, RawResponse, rawRequest } from './support/proxy-raw';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Small enough that tests cross them cheaply. */
const MAX_BODY = 64 * 1024;
const WS_BOUND = 4 * 1024 * 1024;

describe('proxy security', () => {
  let cfgDir: string;
  let ro: string;
  let rw: string;

  const d1 = useD1(() => {
    const cfg = writeProxyConfig(() => ({ echo: { command: [process.execPath, ECHO_SERVER, '{port}'] } }));
    cfgDir = cfg.dir;
    // No kernel pool: the suite counts the kernels of the embedded server, and a refill would start one.
    return {
      proxyConfig: cfg.file,
      maxBodyBytes: MAX_BODY,
      wsMaxQueuedBytes: WS_BOUND,
      kernelPool: 0,
    };
  });
  beforeAll(async () => {
    rw = await d1.token();
    ro = await d1.token({ read_access: true, write_access: false });
    writeFileSync(join(d1.rootDir, 'ok.txt'), 'inside\n');
    expect((await d1.request('GET', '/proxy/echo/warm-up')).status).toBe(200);
  });
  afterAll(async () => {
    rmSync(cfgDir, { recursive: true, force: true });
  });

  const d1Port = (): number => (d1.app.getHttpServer().address() as AddressInfo).port;
  const jupyter = (): JupyterService => d1.app.get(JupyterService);
  const jupyterPort = (): number => jupyter().supervised?.info().port ?? 0;
  const header = (r: RawResponse, name: string) => r.headers.find(([k]) => k === name)?.[1];
  const healthy = async () => (await d1.request('GET', '/healthz', { auth: null })).status === 200;
  const echoLog = async (): Promise<string[]> =>
    (await d1.request('GET', '/server/processes/echo/logs?lines=500')).json.lines;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  /** A token that has expired (minted for one second, then waited out). */
  async function expiredToken(): Promise<string> {
    const token = await d1.token({ read_access: true, write_access: true, expires_in: 1 });
    await waitFor(
      async () => (await d1.request('POST', '/login/test-token', { auth: `Bearer ${token}` })).status === 401,
      'the one-second token to expire',
    );
    return token;
  }

  describe('request smuggling', () => {
    /** A request line whose headers the next request on the same upstream connection would complete. */
    const hidden = (requestLine: string): string => `${requestLine} HTTP/1.1\r\nX-Ignore: `;

    it("refuses a read-only GET whose chunked body hides a request; the write token's request behind it gets its own answer", async () => {
      const attack = rawRequest(
        'GET',
        '/proxy/echo/status',
        { ...bearer(ro), 'Transfer-Encoding': 'chunked' },
        chunked(hidden('PUT /smuggled')),
      );
      const victim = rawRequest('GET', '/proxy/echo/victim', bearer(rw));
      const { responses } = await rawExchange(d1Port(), attack + victim, { count: 2 });
      expect(responses[0].status).toBe(400);
      expect(JSON.parse(responses[0].body)).toEqual({
        error: 'BAD_REQUEST',
        reason: 'A GET request carries no body through the proxy',
        detail: 'A GET request carries no body through the proxy',
      });
      expect(header(responses[0], 'connection')).toBe('close');
      // The connection closes after the refusal; whatever else came back answers the victim itself.
      for (const r of responses.slice(1))
        expect([r.status, JSON.parse(r.body).url]).toEqual([200, '/victim']);
      // Later requests, in parallel so that they take every pooled upstream connection, get their own answers.
      const after = await Promise.all(
        Array.from({ length: 8 }, (_, i) => d1.request('GET', `/proxy/echo/after-${i}`)),
      );
      expect(after.map((r) => r.json.url)).toEqual(Array.from({ length: 8 }, (_, i) => `/after-${i}`));
      const log = await echoLog();
      expect(log.filter((l) => l.includes('smuggled'))).toEqual([]);
      expect(log).not.toContain('GET /status');
    });

    it('smuggles nothing into the embedded Jupyter Server: no file written, no kernel started', async () => {
      const kernels = async () => (await d1.request('GET', '/proxy/jupyter/api/kernels')).json.length;
      const kernelsBefore = await kernels();
      const filesBefore = readdirSync(d1.rootDir).sort();
      const attacks: Array<[string, string, number]> = [
        [ro, 'POST /api/kernels', 403],
        [rw, 'POST /api/kernels', 400],
        [ro, 'POST /api/contents/ok.txt/checkpoints', 403],
        [rw, 'POST /api/contents/ok.txt/checkpoints', 400],
      ];
      for (const [token, smuggled, status] of attacks) {
        const attack = rawRequest(
          'GET',
          '/proxy/jupyter/api/status',
          { ...bearer(token), 'Transfer-Encoding': 'chunked' },
          chunked(hidden(smuggled)),
        );
        const victim = rawRequest('GET', '/proxy/jupyter/api/contents', bearer(rw));
        const { responses } = await rawExchange(d1Port(), attack + victim, { count: 2 });
        expect(responses[0].status).toBe(status);
        expect(header(responses[0], 'connection')).toBe('close');
        for (const r of responses.slice(1)) expect(JSON.parse(r.body).type).toBe('directory');
      }
      const after = await Promise.all(
        Array.from({ length: 8 }, () => d1.request('GET', '/proxy/jupyter/api/contents')),
      );
      expect(after.map((r) => r.json.type)).toEqual(Array(8).fill('directory'));
      expect(readdirSync(d1.rootDir).sort()).toEqual(filesBefore);
      expect(await kernels()).toBe(kernelsBefore);
    });

    it.each([
      ['GET with Transfer-Encoding', 'GET', { 'Transfer-Encoding': 'chunked' }, chunked('x=1')],
      ['HEAD with Transfer-Encoding', 'HEAD', { 'Transfer-Encoding': 'chunked' }, chunked('x=1')],
      ['GET with a Content-Length body', 'GET', { 'Content-Length': '3' }, 'x=1'],
      ['OPTIONS with a body', 'OPTIONS', { 'Content-Length': '3' }, 'x=1'],
    ])('answers a %s with 400 and closes the connection', async (_what, method, headers, body) => {
      for (const [token, path] of [
        [ro, '/proxy/echo/read-with-body'],
        [rw, '/proxy/jupyter/api/contents'],
      ]) {
        const bytes = rawRequest(method, path, { ...bearer(token), ...headers }, body);
        const { responses, closed: wasClosed } = await rawExchange(d1Port(), bytes, {
          count: 2,
          methods: [method],
        });
        expect(responses.map((r) => r.status)).toEqual([400]);
        expect(header(responses[0], 'connection')).toBe('close');
        expect(wasClosed).toBe(true);
      }
      expect((await echoLog()).filter((l) => l.includes('read-with-body'))).toEqual([]);
    });

    it('frames a chunked body exactly: the server sees one request with exactly those bytes', async () => {
      const body = `${hidden('PUT /smuggled-in-body')}\r\n\r\n${randomBytes(300).toString('hex')}`;
      const post = rawRequest(
        'POST',
        '/proxy/echo/framed',
        { ...bearer(rw), 'Transfer-Encoding': 'chunked', 'Content-Type': 'text/plain' },
        `10\r\n${body.slice(0, 16)}\r\n${(body.length - 16).toString(16)}\r\n${body.slice(16)}\r\n0\r\n\r\n`,
      );
      const victim = rawRequest('GET', '/proxy/echo/victim-2', bearer(rw));
      const { responses } = await rawExchange(d1Port(), post + victim, { count: 2 });
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
      expect(JSON.parse(responses[0].body)).toMatchObject({
        method: 'POST',
        url: '/framed',
        bodyLength: Buffer.byteLength(body),
      });
      expect(JSON.parse(responses[1].body).url).toBe('/victim-2');
      const log = await echoLog();
      expect(log.filter((l) => l.includes('smuggled-in-body'))).toEqual([]);

      // The same through Jupyter Server: the text lands in the file, as its content and nothing else.
      const json = JSON.stringify({ type: 'file', format: 'text', content: body });
      const put = rawRequest(
        'PUT',
        '/proxy/jupyter/api/contents/framed.txt',
        { ...bearer(rw), 'Transfer-Encoding': 'chunked', 'Content-Type': 'application/json' },
        chunked(json),
      );
      const after = rawRequest('GET', '/proxy/jupyter/api/contents/ok.txt', bearer(rw));
      const jr = await rawExchange(d1Port(), put + after, { count: 2 });
      expect(jr.responses.map((r) => r.status)).toEqual([201, 200]);
      expect(JSON.parse(jr.responses[1].body).content).toBe('inside\n');
      expect(readFileSync(join(d1.rootDir, 'framed.txt'), 'utf8')).toBe(body);
      rmSync(join(d1.rootDir, 'framed.txt'));
    });

    it('refuses bodies over --max-body: 413 from Content-Length, 413 or a cut connection for chunked ones', async () => {
      const declared = rawRequest(
        'POST',
        '/proxy/echo/declared-too-big',
        { ...bearer(rw), 'Content-Length': String(MAX_BODY + 1) },
        'x'.repeat(1000),
      );
      const one = await rawExchange(d1Port(), declared, { count: 1 });
      expect(one.responses[0].status).toBe(413);
      expect(JSON.parse(one.responses[0].body).error).toBe('PAYLOAD_TOO_LARGE');

      const piece = 'y'.repeat(16 * 1024);
      const chunks = Array.from({ length: 8 }, () => `${piece.length.toString(16)}\r\n${piece}\r\n`).join('');
      for (const path of ['/proxy/echo/chunked-too-big', '/proxy/jupyter/api/contents/too-big.txt']) {
        const streamed = rawRequest(
          path.includes('jupyter') ? 'PUT' : 'POST',
          path,
          { ...bearer(rw), 'Transfer-Encoding': 'chunked', 'Content-Type': 'application/json' },
          `${chunks}0\r\n\r\n`,
        );
        const res = await rawExchange(d1Port(), streamed, { count: 1 });
        // Either answer is safe: the 413, or the connection cut once the limit passed mid-stream.
        for (const r of res.responses) expect(r.status).toBe(413);
        expect(res.responses.length > 0 || res.closed).toBe(true);
      }
      expect(existsSync(join(d1.rootDir, 'too-big.txt'))).toBe(false);
      expect((await echoLog()).filter((l) => l.includes('declared-too-big'))).toEqual([]);
      expect(await healthy()).toBe(true);
    });

    const malformed: Array<[string, string]> = [
      [
        'both Content-Length and chunked',
        'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      ],
      ['two different Content-Lengths', 'Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'],
      ['a Transfer-Encoding that is not chunked', 'Transfer-Encoding: gzip\r\n\r\nabc'],
      ['chunked, then another coding', 'Transfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
      ['a space before the colon', 'Transfer-Encoding : chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
      ['a chunk size that is not hex', 'Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'],
      [
        'a chunk size past 2^64',
        'Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\nabc\r\n0\r\n\r\n',
      ],
      ['chunk data longer than its size', 'Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n'],
      ['a header line without a colon', 'X-Broken header\r\nContent-Length: 3\r\n\r\nabc'],
      ['64 KiB of headers', `X-Big: ${'b'.repeat(64 * 1024)}\r\nContent-Length: 3\r\n\r\nabc`],
    ];
    it.each(malformed)('answers %s with a 4xx and stays up', async (_what, rest) => {
      for (const path of ['/proxy/echo/malformed', '/proxy/jupyter/api/contents/malformed.txt']) {
        const bytes = `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${rw}\r\n${rest}`;
        const { responses } = await rawExchange(d1Port(), bytes, { count: 1 });
        expect(responses).toHaveLength(1);
        expect(responses[0].status).toBeGreaterThanOrEqual(400);
        expect(responses[0].status).toBeLessThan(500);
        expect(await healthy()).toBe(true);
      }
      expect(existsSync(join(d1.rootDir, 'malformed.txt'))).toBe(false);
    });
  });

  describe("the embedded Jupyter Server's credentials", () => {
    it('never reach a client: no cookie, no token, in any header or body; its pages are inert on d1', async () => {
      const token = jupyter().serverToken;
      // A notebook whose output runs script: rendered by nbconvert, it would run on d1's origin.
      const xss = '<script>document.title = "xss"</script>';
      const output = { output_type: 'display_data', data: { 'text/html': xss }, metadata: {} };
      const cell = { cell_type: 'code', execution_count: 1, metadata: {}, outputs: [output], source: 'x' };
      const nb = { cells: [cell], metadata: {}, nbformat: 4, nbformat_minor: 5 };
      const kernel = await d1.request('POST', '/proxy/jupyter/api/kernels', { body: { name: 'python3' } });
      expect(kernel.status).toBe(201);
      const requests: Array<[string, string, unknown, number]> = [
        ['GET', '/proxy/jupyter', undefined, 301],
        ['GET', '/proxy/jupyter/', undefined, 200],
        ['GET', '/proxy/jupyter/api', undefined, 200],
        ['GET', '/proxy/jupyter/api/status', undefined, 200],
        ['GET', '/proxy/jupyter/api/contents', undefined, 200],
        ['GET', '/proxy/jupyter/api/kernels', undefined, 200],
        ['GET', `/proxy/jupyter/api/kernels/${kernel.json.id}`, undefined, 200],
        ['GET', '/proxy/jupyter/api/kernelspecs', undefined, 200],
        ['GET', '/proxy/jupyter/api/sessions', undefined, 200],
        ['PUT', '/proxy/jupyter/api/contents/cred.txt', { type: 'file', format: 'text', content: 'x' }, 201],
        ['PUT', '/proxy/jupyter/api/contents/xss.ipynb', { type: 'notebook', content: nb }, 201],
        ['GET', '/proxy/jupyter/nbconvert/html/xss.ipynb', undefined, 200],
        ['GET', '/proxy/jupyter/files/xss.ipynb', undefined, 200],
        ['GET', '/proxy/jupyter/files/ok.txt', undefined, 200],
        ['GET', '/proxy/jupyter/view/ok.txt', undefined, 200],
        ['GET', '/proxy/jupyter/no-such-page', undefined, 404],
        ['GET', '/proxy/jupyter/api/contents/no-such-file', undefined, 404],
        ['GET', '/proxy/jupyter/login', undefined, 302],
        ['POST', '/proxy/jupyter/login', 'password=wrong', 401],
        ['DELETE', `/proxy/jupyter/api/kernels/${kernel.json.id}`, undefined, 204],
      ];
      for (const [method, path, body, status] of requests) {
        const res = await fetch(d1.baseUrl + path, {
          method,
          redirect: 'manual',
          headers: {
            authorization: `Bearer ${rw}`,
            'content-type':
              typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json',
          },
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        });
        const text = await res.text();
        const headers: string[] = [];
        res.headers.forEach((v, k) => headers.push(`${k}: ${v}`));
        expect([method, path, res.status]).toEqual([method, path, status]);
        expect(res.headers.getSetCookie()).toEqual([]);
        expect(headers.join('\n')).not.toMatch(/username-|_xsrf/);
        expect(headers.join('\n')).not.toContain(token);
        expect(text).not.toContain(token);
        // Everything but d1's own redirect comes from the server, and is inert.
        if (status !== 301)
          expect(res.headers.get('content-security-policy')).toBe("sandbox; frame-ancestors 'self'");
        if (path.startsWith('/proxy/jupyter/nbconvert/')) expect(text).toContain(xss);
      }
      rmSync(join(d1.rootDir, 'cred.txt'));
      rmSync(join(d1.rootDir, 'xss.ipynb'));
      // Jupyter Server keeps a checkpoint of every notebook it saves.
      rmSync(join(d1.rootDir, '.ipynb_checkpoints'), { recursive: true, force: true });
    });

    it('never reach its logs or /server/jupyter, which read-only tokens may see', async () => {
      const token = jupyter().serverToken;
      // Jupyter Server logs the URI of every failed request, the query (and so a token in it) included.
      const direct = await fetch(`http://127.0.0.1:${jupyterPort()}/logged-404?token=${token}`);
      expect(direct.status).toBe(404);
      await direct.text();
      const logs = await waitFor(async () => {
        const res = await d1.request('GET', '/server/processes/jupyter/logs?lines=500', {
          auth: `Bearer ${ro}`,
        });
        return res.json.lines.some((l: string) => l.includes('/logged-404')) && res;
      }, 'the failed request in the logs');
      expect(logs.json.lines).toEqual(
        expect.arrayContaining([expect.stringContaining('/logged-404?token=[token]')]),
      );
      expect(logs.text).not.toContain(token);
      const info = await d1.request('GET', '/server/jupyter', { auth: `Bearer ${ro}` });
      expect(info.status).toBe(200);
      expect(info.text).not.toContain(token);
    });

    it('a login cookie, however obtained, opens neither REST nor kernel websockets on its port', async () => {
      const token = jupyter().serverToken;
      const port = jupyterPort();
      // Straight from its port with its token: it answers, and hands out no login cookie.
      const direct = await fetch(`http://127.0.0.1:${port}/api/contents?token=${token}`);
      expect(direct.status).toBe(200);
      expect(direct.headers.getSetCookie().filter((c) => c.startsWith('username-'))).toEqual([]);

      // A cookie signed as Jupyter Server signs them: a stock server takes it, the embedded one does not.
      const stockRoot = realpathSync(mkdtempSync(join(tmpdir(), 'd1-stock-')));
      const stock = await startStockJupyter(stockRoot, randomUUID());
      try {
        const control = await fetch(`http://127.0.0.1:${stock.port}/api/contents`, {
          headers: { cookie: forgeLoginCookie(stock.port) },
        });
        expect(control.status).toBe(200);
      } finally {
        stock.child.kill('SIGTERM');
        await new Promise((resolve) => stock.child.once('exit', resolve));
        rmSync(stockRoot, { recursive: true, force: true });
      }
      const cookie = forgeLoginCookie(port);
      const rest = await fetch(`http://127.0.0.1:${port}/api/contents`, { headers: { cookie } });
      expect(rest.status).toBe(403);

      const kernel = await d1.request('POST', '/proxy/jupyter/api/kernels', { body: { name: 'python3' } });
      const channels = `ws://127.0.0.1:${port}/api/kernels/${kernel.json.id}/channels`;
      expect((await openWs(channels, { headers: { cookie } })).status).toBe(403);
      const withToken = await openWs(`${channels}?token=${token}`);
      expect(withToken.status).toBe(101);
      withToken.ws.close();
      expect((await d1.request('DELETE', `/proxy/jupyter/api/kernels/${kernel.json.id}`)).status).toBe(204);
    });
  });

  describe('permissions', () => {
    type Kind = 'none' | 'expired' | 'read-only' | 'read-write';
    const KINDS: Kind[] = ['none', 'expired', 'read-only', 'read-write'];
    let auth: Record<Kind, string | null>;
    beforeAll(async () => {
      auth = {
        none: null,
        expired: `Bearer ${await expiredToken()}`,
        'read-only': `Bearer ${ro}`,
        'read-write': `Bearer ${rw}`,
      };
    });

    /** What d1 answers before forwarding: 401 without a valid token, 403 without the permission. */
    const refused = (kind: Kind, needsWrite: boolean): number | null =>
      kind === 'none' || kind === 'expired' ? 401 : kind === 'read-only' && needsWrite ? 403 : null;

    it('every method on /proxy/jupyter/ needs write access', async () => {
      writeFileSync(join(d1.rootDir, 'matrix.txt'), 'm');
      const file = (name: string) => ({ type: 'file', format: 'text', content: name });
      // In an order that works for the write token; the refused ones must change nothing.
      const calls: Array<[string, string, unknown, number]> = [
        ['GET', '/api/contents/matrix.txt', undefined, 200],
        ['HEAD', '/api/contents/matrix.txt', undefined, 405],
        ['OPTIONS', '/api/contents/matrix.txt', undefined, 200],
        ['POST', '/api/contents/matrix.txt/checkpoints', undefined, 201],
        ['PUT', '/api/contents/matrix-put.txt', file('put'), 201],
        ['PATCH', '/api/contents/matrix-put.txt', { path: 'matrix-patched.txt' }, 200],
        ['DELETE', '/api/contents/matrix.txt', undefined, 204],
      ];
      const actual: string[] = [];
      const expected: string[] = [];
      for (const kind of KINDS) {
        for (const [method, path, body, upstream] of calls) {
          const res = await d1.request(method, `/proxy/jupyter${path}`, {
            auth: auth[kind],
            ...(body === undefined ? {} : { body }),
          });
          actual.push(`${kind} ${method} ${res.status}`);
          expected.push(`${kind} ${method} ${refused(kind, true) ?? upstream}`);
          if (refused(kind, true) && method !== 'HEAD') {
            expect(res.json.error).toBe(refused(kind, true) === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN');
          }
        }
        if (kind !== 'read-write') {
          expect(readdirSync(d1.rootDir)).toEqual(expect.arrayContaining(['matrix.txt']));
          expect(readdirSync(d1.rootDir).filter((n) => n.startsWith('matrix-'))).toEqual([]);
          expect(existsSync(join(d1.rootDir, '.ipynb_checkpoints', 'matrix-checkpoint.txt'))).toBe(false);
        }
      }
      expect(actual).toEqual(expected);
      expect(readdirSync(d1.rootDir).filter((n) => n.startsWith('matrix'))).toEqual(['matrix-patched.txt']);
      rmSync(join(d1.rootDir, 'matrix-patched.txt'));
      rmSync(join(d1.rootDir, '.ipynb_checkpoints'), { recursive: true, force: true });
    });

    it('a configured server: GET, HEAD and OPTIONS need read access, other methods write', async () => {
      const actual: string[] = [];
      const expected: string[] = [];
      for (const kind of KINDS) {
        for (const method of ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']) {
          const write = !['GET', 'HEAD', 'OPTIONS'].includes(method);
          const path = `/proxy/echo/matrix-${kind}-${method}`;
          const res = await d1.request(method, path, { auth: auth[kind], ...(write ? { raw: 'body' } : {}) });
          actual.push(`${kind} ${method} ${res.status}`);
          expected.push(`${kind} ${method} ${refused(kind, write) ?? 200}`);
          if (res.status === 200 && method !== 'HEAD')
            expect(res.json).toMatchObject({ method, url: `/matrix-${kind}-${method}` });
        }
      }
      expect(actual).toEqual(expected);
      const reached = (await echoLog()).filter((l) => l.includes('/matrix-'));
      const allowed = expected
        .filter((e) => e.endsWith(' 200'))
        .map((e) => {
          const [kind, method] = e.split(' ');
          return `${method} /matrix-${kind}-${method}`;
        });
      // Nothing refused reached the server.
      expect(reached.sort()).toEqual(allowed.sort());
    });

    it('websocket upgrades need write access (401 without a valid token, 403 read-only)', async () => {
      const kernel = await d1.request('POST', '/proxy/jupyter/api/kernels', { body: { name: 'python3' } });
      const paths = [`/proxy/jupyter/api/kernels/${kernel.json.id}/channels`, '/proxy/echo/ws'];
      const actual: string[] = [];
      const expected: string[] = [];
      for (const path of paths) {
        for (const kind of KINDS) {
          const headers: Record<string, string> = auth[kind] ? { authorization: auth[kind] as string } : {};
          const { ws, status } = await openWs(`${d1.wsUrl}${path}`, { headers });
          if (status === 101) ws.close();
          actual.push(`${path} ${kind} ${status}`);
          expected.push(`${path} ${kind} ${refused(kind, true) ?? 101}`);
        }
      }
      expect(actual).toEqual(expected);
      expect((await d1.request('DELETE', `/proxy/jupyter/api/kernels/${kernel.json.id}`)).status).toBe(204);
    });
  });

  describe('symlinks out of the root dir', () => {
    let outside: string;
    let secret: string;
    let snapshot: () => string;

    beforeAll(() => {
      outside = realpathSync(mkdtempSync(join(tmpdir(), 'd1-outside-')));
      secret = `outside-secret-${randomUUID()}`;
      writeFileSync(join(outside, 'secret.txt'), secret);
      const nb = {
        cells: [{ cell_type: 'markdown', metadata: {}, source: secret }],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      };
      writeFileSync(join(outside, 'nb.ipynb'), JSON.stringify(nb));
      const root = d1.rootDir;
      mkdirSync(join(root, 'sub'));
      writeFileSync(join(root, 'sub', 'x.txt'), 'in sub\n');
      symlinkSync(outside, join(root, 'link'));
      symlinkSync(join(outside, 'secret.txt'), join(root, 'flink'));
      symlinkSync(outside, join(root, 'sub', 'inner'));
      symlinkSync(join(outside, 'new.txt'), join(root, 'dangling'));
      symlinkSync(join(root, 'sub'), join(root, 'inlink'));
      // Everything about the outside dir a write could change: names, sizes, contents, mtimes.
      snapshot = () =>
        JSON.stringify(
          readdirSync(outside).map((n) => {
            const st = lstatSync(join(outside, n));
            return [n, st.size, st.mtimeMs, st.isFile() ? readFileSync(join(outside, n), 'utf8') : null];
          }),
        );
    });
    afterAll(() => rmSync(outside, { recursive: true, force: true }));

    it('refuses to read through a file link, a directory link, or a link inside a subdirectory', async () => {
      const paths = [
        'files/link/secret.txt',
        'files/link/secret.txt?download=1',
        'files/flink',
        'files/sub/inner/secret.txt',
        'api/contents/link/secret.txt',
        'api/contents/flink',
        'api/contents/sub/inner/secret.txt',
        'api/contents/link',
        'api/contents/sub/inner',
        'api/contents/link/nb.ipynb',
        'api/contents/link/secret.txt/checkpoints',
        'nbconvert/html/link/nb.ipynb',
        'view/link/secret.txt',
      ];
      for (const path of paths) {
        const res = await d1.request('GET', `/proxy/jupyter/${path}`);
        expect([path, res.status]).toEqual([path, 404]);
        expect(res.text).not.toContain(secret);
      }
      expect(existsSync(join(outside, '.ipynb_checkpoints'))).toBe(false);
    });

    it('leaves links that lead out of listings, and keeps those that stay inside', async () => {
      const names = async (path: string) =>
        (await d1.request('GET', `/proxy/jupyter/api/contents/${path}`)).json.content
          .map((e: any) => e.name)
          .sort();
      const root = await names('');
      expect(root).toEqual(expect.arrayContaining(['ok.txt', 'sub', 'inlink']));
      expect(root.filter((n: string) => ['link', 'flink', 'dangling'].includes(n))).toEqual([]);
      expect(await names('sub')).toEqual(['x.txt']);
      const inside = await d1.request('GET', '/proxy/jupyter/files/inlink/x.txt');
      expect([inside.status, inside.text]).toEqual([200, 'in sub\n']);
    });

    it('starts a kernel asked to run in a directory that leads out in the root dir instead', async () => {
      const kernel = await d1.request('POST', '/proxy/jupyter/api/kernels', {
        body: { name: 'python3', path: 'link' },
      });
      expect(kernel.status).toBe(201);
      const k = await openWs(`${d1.wsUrl}/proxy/jupyter/api/kernels/${kernel.json.id}/channels?token=${rw}`);
      k.ws.send(executeRequest("import os\nopen('cwd-probe.txt', 'w').write(os.getcwd())", randomUUID()));
      const probe = join(d1.rootDir, 'cwd-probe.txt');
      await waitFor(
        () => existsSync(probe) && readFileSync(probe, 'utf8') !== '',
        'the kernel to write its cwd',
      );
      expect(readFileSync(probe, 'utf8')).toBe(d1.rootDir);
      expect(existsSync(join(outside, 'cwd-probe.txt'))).toBe(false);
      k.ws.close();
      rmSync(probe);
      expect((await d1.request('DELETE', `/proxy/jupyter/api/kernels/${kernel.json.id}`)).status).toBe(204);
    });

    it('refuses writes, renames, copies and checkpoints into or through links that lead out', async () => {
      const before = snapshot();
      const rootBefore = readdirSync(d1.rootDir).sort();
      const file = { type: 'file', format: 'text', content: 'written from outside' };
      const calls: Array<[string, string, unknown]> = [
        ['PUT', 'api/contents/link/new.txt', file],
        ['PUT', 'api/contents/flink', file],
        ['PUT', 'api/contents/sub/inner/new.txt', file],
        ['PUT', 'api/contents/dangling', file],
        ['PUT', 'api/contents/link/newdir', { type: 'directory' }],
        ['POST', 'api/contents/link', { type: 'file' }],
        ['POST', 'api/contents/link', { copy_from: 'ok.txt' }],
        ['POST', 'api/contents/sub/inner', { copy_from: 'ok.txt' }],
        ['POST', 'api/contents', { copy_from: 'link/secret.txt' }],
        ['PATCH', 'api/contents/ok.txt', { path: 'link/moved.txt' }],
        ['PATCH', 'api/contents/ok.txt', { path: 'sub/inner/moved.txt' }],
        ['PATCH', 'api/contents/link/secret.txt', { path: 'stolen.txt' }],
        ['PATCH', 'api/contents/flink', { path: 'stolen.txt' }],
        ['POST', 'api/contents/flink/checkpoints', undefined],
        ['POST', 'api/contents/link/secret.txt/checkpoints', undefined],
        ['DELETE', 'api/contents/link/secret.txt', undefined],
        ['DELETE', 'api/contents/flink', undefined],
      ];
      for (const [method, path, body] of calls) {
        const res = await d1.request(method, `/proxy/jupyter/${path}`, body === undefined ? {} : { body });
        expect([method, path, res.status]).toEqual([method, path, 404]);
        expect(res.text).not.toContain(secret);
      }
      expect(snapshot()).toBe(before);
      expect(existsSync(join(outside, '.ipynb_checkpoints'))).toBe(false);
      expect(readdirSync(d1.rootDir).sort()).toEqual(rootBefore);
      expect(readFileSync(join(d1.rootDir, 'ok.txt'), 'utf8')).toBe('inside\n');
      expect(statSync(join(d1.rootDir, 'flink')).size).toBe(Buffer.byteLength(secret));
    });
  });

  describe('proxied websockets', () => {
    const kernelUrl = (id: string) => `${d1.wsUrl}/proxy/jupyter/api/kernels/${id}/channels?token=${rw}`;

    it("keep d1's memory within their bound while a client reads nothing and a kernel prints 300 MB, and lose nothing", async () => {
      const kernel = await d1.request('POST', '/proxy/jupyter/api/kernels', { body: { name: 'python3' } });
      const { ws } = await openWs(kernelUrl(kernel.json.id));
      const msgId = randomUUID();
      let printed = 0;
      let idle = false;
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString());
        if (msg.parent_header?.msg_id !== msgId) return;
        if (msg.header.msg_type === 'stream') printed += msg.content.text.length;
        if (msg.header.msg_type === 'status' && msg.content.execution_state === 'idle') idle = true;
      });
      const MIB = 1024 * 1024;
      const done = join(d1.rootDir, 'flood-done.txt');
      const code = [
        'import sys',
        `chunk = 'x' * ${MIB}`,
        'for _ in range(300):',
        '    sys.stdout.write(chunk)',
        '    sys.stdout.flush()',
        `open(${JSON.stringify(done)}, 'w').close()`,
      ].join('\n');
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      ws.pause();
      ws.send(executeRequest(code, msgId));
      try {
        await waitFor(() => existsSync(done), 'the kernel to print 300 MB', 150_000);
        // Jupyter Server forwards the output at its own pace: measure until it has sent d1 all it could.
        await quiet(jupyter().supervised?.info().pid ?? 0, 'Jupyter Server to have sent what it could');
      } finally {
        clearInterval(sampler);
      }
      const growth = peak - baseline;
      process.stdout.write(
        `proxied ws, 300 MB to a client reading nothing: d1 RSS +${(growth / MIB).toFixed(1)} MiB (bound ${WS_BOUND / MIB} MiB)\n`,
      );
      // d1 holds at most the bound plus one message (1 MiB) queued for the client and one message being read
      // from Jupyter Server: about twice the bound. The factor 8 leaves room for memory the allocator keeps after
      // it was freed. Without flow control the 300 MB piled up in d1 (+319 MiB measured).
      expect(growth).toBeLessThan(8 * WS_BOUND);
      ws.resume();
      await waitFor(() => idle, 'every output and the idle status once the client reads', 150_000);
      expect(printed).toBe(300 * MIB);
      ws.close();
      rmSync(done);
      expect((await d1.request('DELETE', `/proxy/jupyter/api/kernels/${kernel.json.id}`)).status).toBe(204);
    }, 400_000);

    it('close a client frame larger than the bound with 1009; one at the bound passes', async () => {
      const { ws, closed } = await openWs(`${d1.wsUrl}/proxy/echo/ws?token=${rw}`);
      const echoed = new Promise<Buffer>((resolve) =>
        ws.on('message', (data, binary) => binary && resolve(data as Buffer)),
      );
      const atBound = randomBytes(WS_BOUND);
      ws.send(atBound);
      expect((await echoed).equals(atBound)).toBe(true);
      ws.send(Buffer.alloc(WS_BOUND + 1));
      expect((await closed())[0]).toBe(1009);

      const kernel = await d1.request('POST', '/proxy/jupyter/api/kernels', { body: { name: 'python3' } });
      const k = await openWs(kernelUrl(kernel.json.id));
      k.ws.send('x'.repeat(WS_BOUND + 1));
      expect((await k.closed())[0]).toBe(1009);
      expect((await d1.request('DELETE', `/proxy/jupyter/api/kernels/${kernel.json.id}`)).status).toBe(204);
    });

    it('close with 1008 when the token that opened them expires, upstream too', async () => {
      const kernel = await d1.request('POST', '/proxy/jupyter/api/kernels', { body: { name: 'python3' } });
      const short = await d1.token({ read_access: true, write_access: true, expires_in: 4 });
      const [echo, k] = await Promise.all([
        openWs(`${d1.wsUrl}/proxy/echo/ws`, { protocols: ['bearer', short, 'echo.v1'] }),
        openWs(`${d1.wsUrl}/proxy/jupyter/api/kernels/${kernel.json.id}/channels?token=${short}`),
      ]);
      expect([echo.status, k.status]).toEqual([101, 101]);
      expect(await echo.closed()).toEqual([1008, 'Token expired']);
      expect(await k.closed()).toEqual([1008, 'Token expired']);
      await waitFor(
        async () => (await echoLog()).includes('WS closed 1008 Token expired'),
        'the upstream side to close',
      );
      expect((await d1.request('DELETE', `/proxy/jupyter/api/kernels/${kernel.json.id}`)).status).toBe(204);
    });
  });
});
