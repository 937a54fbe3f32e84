import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { useD1, TestResponse, waitFor } from './support/d1';
import { davRequest } from './support/dav-client';
import { makeNotebook, uploadAndOpen } from './support/notebooks';

const MAX_BODY = 4096;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const EXECUTE = `/kernels/${UNKNOWN}/execute`;

/** Every error d1 sends: its JSON shape, a JSON content type, and nothing from its insides. */
function expectErrorJson(res: TestResponse, status: number, error?: string): void {
  expect({ status: res.status, body: res.json }).toEqual({
    status,
    body: { error: error ?? expect.any(String), reason: expect.any(String), detail: expect.anything() },
  });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.text).not.toMatch(/\n\s+at |\.ts:\d+|node_modules|Traceback/);
}

/** Sends raw bytes on a fresh connection and resolves with the status line and body once d1 answers. */
function rawRequest(port: number, head: string, body = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head + body));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      data += chunk;
      const [headers, rest] = data.split('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(headers)?.[1];
      if (rest !== undefined && length !== undefined && Buffer.byteLength(rest) >= Number(length)) {
        socket.destroy();
        resolve({ status: Number(headers.split(' ')[1]), text: rest });
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5000, () => reject(new Error(`no answer to ${head.split('\r\n')[0]}`)));
  });
}

describe('bad input always gets a clear 4xx error JSON, never a 500', () => {
  const d1 = useD1({ maxBodyBytes: MAX_BODY });
  let port: number;

  beforeAll(async () => {
    port = Number(new URL(d1.baseUrl).port);
  });

  describe('bodies', () => {
    it('malformed JSON is a 400 INVALID_JSON', async () => {
      for (const raw of ['{bad', '{"code": "1",}', '{"code": "1"', "{'code': '1'}", '\u0000']) {
        const res = await d1.request('POST', EXECUTE, {
          raw,
          headers: { 'content-type': 'application/json' },
        });
        expectErrorJson(res, 400, 'INVALID_JSON');
        expect(res.json.reason).toMatch(/^Body is not valid JSON/);
      }
    });

    it('a field of the wrong type is a 422 naming the field, once', async () => {
      const res = await d1.request('POST', EXECUTE, { body: { code: 5 } });
      expectErrorJson(res, 422, 'VALIDATION_ERROR');
      expect(res.json).toEqual({
        error: 'VALIDATION_ERROR',
        reason: 'code: must be a string',
        detail: [{ loc: ['body', 'code'], msg: 'must be a string', type: 'isString' }],
      });
    });

    it('a missing field is a 422 saying it is required', async () => {
      for (const body of [{}, undefined]) {
        const res = await d1.request('POST', EXECUTE, {
          body,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.json).toEqual({
          error: 'VALIDATION_ERROR',
          reason: 'code: is required',
          detail: [{ loc: ['body', 'code'], msg: 'is required', type: 'missing' }],
        });
      }
    });

    it('an unknown field is a 422 naming it', async () => {
      const res = await d1.request('POST', EXECUTE, { body: { code: '1', cöde: 'x' } });
      expect(res.json).toEqual({
        error: 'VALIDATION_ERROR',
        reason: 'cöde: is not a known field',
        detail: [{ loc: ['body', 'cöde'], msg: 'is not a known field', type: 'whitelistValidation' }],
      });
    });

    it('a body that is not a JSON object is a 422', async () => {
      for (const body of [[1, 2], 'code', 42, true]) {
        const res = await d1.request('POST', EXECUTE, { body });
        expectErrorJson(res, 422, 'VALIDATION_ERROR');
        expect(res.json.reason).toBe('body: must be a JSON object sent with Content-Type: application/json');
      }
    });

    it('a form post where JSON is expected is a 422 saying what to send', async () => {
      const res = await d1.request('POST', EXECUTE, {
        raw: 'code=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectErrorJson(res, 422, 'VALIDATION_ERROR');
      expect(res.json.reason).toBe('body: must be a JSON object sent with Content-Type: application/json');
    });

    it('numbers JSON cannot hold, and __proto__ keys, are refused without harm', async () => {
      const huge = await d1.request('POST', '/login/token', {
        raw: '{"expires_in": 1e999}',
        headers: { 'content-type': 'application/json' },
      });
      expectErrorJson(huge, 422, 'VALIDATION_ERROR');
      expect(huge.json.reason).toMatch(/^expires_in: /);
      const proto = await d1.request('POST', EXECUTE, {
        raw: '{"code": "1", "__proto__": {"polluted": true}}',
        headers: { 'content-type': 'application/json' },
      });
      expect([404, 422]).toContain(proto.status);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('POST /kernels with an unknown kernel name is a 400 naming the available specs', async () => {
      const res = await d1.request('POST', '/kernels', { body: { name: 'no-such-kernel' } });
      expectErrorJson(res, 400, 'BAD_REQUEST');
      expect(res.json.reason).toBe('Unknown kernel spec "no-such-kernel"; available: python3');
      const bad = await d1.request('POST', '/kernels', { body: { name: '../../etc/passwd' } });
      expectErrorJson(bad, 422, 'VALIDATION_ERROR');
      expect(bad.json.reason).toMatch(/^name: must be a kernel spec name/);
    });

    it('a body over --max-body is a 413, refused from Content-Length before the body is sent', async () => {
      const head =
        `POST ${EXECUTE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Authorization: Bearer ${await d1.token()}\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`;
      const res = await rawRequest(port, head);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.text)).toEqual({
        error: 'PAYLOAD_TOO_LARGE',
        reason: `Request body is larger than the server accepts (${MAX_BODY} bytes)`,
        detail: expect.anything(),
      });
      // Without a Content-Length, reading stops at the limit.
      const chunk = 'x'.repeat(MAX_BODY + 100);
      const chunked = await rawRequest(
        port,
        head.replace(/Content-Length: \d+/, 'Transfer-Encoding: chunked'),
        `${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
      );
      expect(chunked.status).toBe(413);
      expect(JSON.parse(chunked.text).error).toBe('PAYLOAD_TOO_LARGE');
    });
  });

  describe('routes and paths', () => {
    it('an unknown route is a 404 error JSON, with or without a token', async () => {
      for (const auth of [null, undefined]) {
        for (const path of ['/nope', '/kernels/a/b/c', '/login', '/%F0%9F%98%80']) {
          const res = await d1.request('GET', path, { auth });
          expectErrorJson(res, 404, 'NOT_FOUND');
        }
      }
    });

    it('a known route with the wrong method is a 405 naming the allowed ones', async () => {
      const cases: Array<[string, string, string]> = [
        ['PUT', '/kernels', 'GET, POST'],
        ['PATCH', '/hello', 'GET'],
        ['POST', '/kernels/specs', 'DELETE, GET'], // /kernels/{id} matches too
        ['GET', `/kernels/${UNKNOWN}/execute`, 'POST'],
      ];
      for (const [method, path, allow] of cases) {
        const res = await d1.request(method, path, { auth: null });
        expect(`${method} ${path}: ${res.status}`).toBe(`${method} ${path}: 405`);
        expectErrorJson(res, 405, 'METHOD_NOT_ALLOWED');
        expect(res.json.reason).toBe(`${method} is not allowed on ${path}; use ${allow}`);
        expect(res.headers.get('allow')).toBe(allow);
      }
    });

    it('encoded, unicode and odd path parameters give 4xx JSON', async () => {
      // (A bare `..` is resolved by the client before sending: `/kernels/..` is `GET /`, which is the page.)
      const ids = ['%2e%2e%2f%2e%2e%2fetc%2fpasswd', 'é😀', '%00', 'a%20b', '..%2f', 'x'.repeat(1000)];
      for (const id of ids) {
        const res = await d1.request('GET', `/kernels/${id}`);
        expectErrorJson(res, 404, 'NOT_FOUND');
      }
      const bad = await d1.request('GET', '/kernels/%ZZ');
      expectErrorJson(bad, 400, 'BAD_REQUEST');
      expect(bad.json.reason).toBe('The URL is not valid (bad %-encoding): /kernels/%ZZ');
      const long = await d1.request('GET', `/kernels/${'x'.repeat(2000)}`);
      expectErrorJson(long, 414, 'URI_TOO_LONG');
      const hello = await d1.request('GET', `/hello/${encodeURIComponent('wörld 😀')}`, { auth: null });
      expect(hello.json).toEqual({ message: 'Hello wörld 😀' });
    });

    it('odd query strings and headers do not break routing', async () => {
      expect((await d1.request('GET', '/kernels/specs?x=%ZZ&y')).status).toBe(200);
      const res = await d1.request('GET', '/kernels/specs', { headers: { 'content-type': 'text/weird' } });
      expect(res.status).toBe(200);
      const garbage = await d1.request('GET', '/kernels/specs', { auth: 'Bearer a.b.c' });
      expectErrorJson(garbage, 401, 'UNAUTHORIZED');
    });
  });

  describe('file names', () => {
    const BAD = ['.', '..', '/', '.ipynb', '.hidden', 'a/b', '../x', ' ', 'x\u0000y'];

    it('a notebook filename that is not a plain name is a 422 naming the field, and nothing is written', async () => {
      const before = readdirSync(d1.rootDir).sort();
      const nb = await uploadAndOpen(d1, 'filename=named', makeNotebook(['1']));
      const uuid = nb.metadata.jupyter_d1.uuid;
      const routes = (name: string): Array<[string, string, unknown?]> => {
        const q = `filename=${encodeURIComponent(name)}`;
        return [
          ['POST', `/notebooks/create?${q}`],
          ['POST', `/notebooks/upload?${q}`, makeNotebook(['x'])],
          ['POST', `/notebooks/upload_and_open?${q}`, makeNotebook(['x'])],
          ['PATCH', `/notebooks/${uuid}/save_as?${q}`],
          ['PATCH', `/notebooks/${uuid}/rename?${q}`],
        ];
      };
      for (const name of BAD) {
        for (const [method, path, body] of routes(name)) {
          const res = await d1.request(method, path, { body });
          expect({ name, path, status: res.status, body: res.json }).toEqual({
            name,
            path,
            status: 422,
            body: {
              error: 'VALIDATION_ERROR',
              reason: expect.stringMatching(/^query\.filename: /),
              detail: [expect.objectContaining({ loc: ['query', 'filename'] })],
            },
          });
        }
      }
      const written = readdirSync(d1.rootDir).filter((f) => !before.includes(f));
      expect(written).toEqual(['named.ipynb']);
      expect(readdirSync(d1.rootDir).filter((f) => f.startsWith('.'))).toEqual([]);
      await d1.request('DELETE', `/notebooks/${uuid}`);
    });
  });

  describe('WebDAV', () => {
    let port2: number;
    let auth: [string, string];
    beforeAll(async () => {
      port2 = Number(new URL(d1.baseUrl).port);
      auth = [await d1.token(), ''];
      mkdirSync(join(d1.rootDir, 'tree', 'sub'), { recursive: true });
      writeFileSync(join(d1.rootDir, 'tree', 'sub', 'f.txt'), 'f');
    });

    it('COPY or MOVE of a collection into its own subtree is a 403 (not 502), and changes nothing', async () => {
      for (const method of ['COPY', 'MOVE']) {
        for (const destination of [
          '/dav/tree/sub/inner/',
          '/dav/tree/',
          `http://127.0.0.1:${port2}/dav/tree/x`,
        ]) {
          const res = await davRequest(port2, method, '/dav/tree/', { auth, headers: { destination } });
          expect(`${method} -> ${destination}: ${res.status}`).toBe(`${method} -> ${destination}: 403`);
          expect(JSON.parse(res.body).error).toBe('FORBIDDEN');
        }
      }
      expect(readdirSync(join(d1.rootDir, 'tree'))).toEqual(['sub']);
      // A sibling whose name merely starts the same is not inside it.
      const ok = await davRequest(port2, 'COPY', '/dav/tree/', {
        auth,
        headers: { destination: '/dav/treehouse/' },
      });
      expect(ok.status).toBe(201);
      expect(readdirSync(join(d1.rootDir, 'treehouse', 'sub'))).toEqual(['f.txt']);
    });

    it('a malformed If header is a 400 for every method; a well-formed one that does not match is a 412', async () => {
      for (const method of [
        'GET',
        'PUT',
        'PROPFIND',
        'PROPPATCH',
        'DELETE',
        'MOVE',
        'COPY',
        'LOCK',
        'UNLOCK',
        'MKCOL',
      ]) {
        for (const header of ['garbage', '(<urn:uuid:a>', '()', '(Not)', '<http://x/dav/a>']) {
          const res = await davRequest(port2, method, '/dav/tree/sub/f.txt', {
            auth,
            headers: { if: header, destination: '/dav/elsewhere.txt' },
          });
          expect(`${method} If: ${header} -> ${res.status}`).toBe(`${method} If: ${header} -> 400`);
          expect(JSON.parse(res.body)).toEqual({
            error: 'BAD_REQUEST',
            reason: 'The If header is malformed (RFC 4918 §10.4)',
            detail: null,
          });
        }
      }
      expect(existsSync(join(d1.rootDir, 'tree', 'sub', 'f.txt'))).toBe(true);
      const unmatched = await davRequest(port2, 'PUT', '/dav/tree/sub/f.txt', {
        auth,
        headers: { if: '(<urn:uuid:00000000-0000-4000-8000-000000000000>)' },
        body: 'changed',
      });
      expect(unmatched.status).toBe(412);
    });
  });

  describe('framework-level errors', () => {
    it('headers too large are a 431 with d1 error JSON; broken HTTP a 400', async () => {
      const big = await rawRequest(
        port,
        `GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      expect(big.status).toBe(431);
      expect(JSON.parse(big.text)).toEqual({
        error: 'HEADERS_TOO_LARGE',
        reason: 'The request line or headers are larger than the server accepts',
        detail: null,
      });
      const longUrl = await rawRequest(port, `GET /hello/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(longUrl.status).toBe(431);
      const broken = await rawRequest(port, 'GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
      expect(broken.status).toBe(400);
      expect(JSON.parse(broken.text)).toEqual({
        error: 'BAD_REQUEST',
        reason: 'The request is not valid HTTP',
        detail: null,
      });
      expect((await d1.request('GET', '/healthz', { auth: null })).status).toBe(200);
    });
  });

  describe('variables', () => {
    it('GET vars/{name} after the user deleted the kernel helper (del ___d1) reinstalls it: 200, not 500', async () => {
      const nb = await uploadAndOpen(d1, 'filename=vars-helper', makeNotebook(['n = 42', 'del ___d1']));
      const uuid = nb.metadata.jupyter_d1.uuid;
      const [first, second] = nb.cells.map((c: { id: string }) => c.id);
      const run = async (cell: string) => {
        await d1.request('POST', `/notebooks/${uuid}/cells/${cell}/execute`);
        await waitFor(
          async () => {
            const got = (await d1.request('GET', `/notebooks/${uuid}/cells/${cell}`)).json.cell;
            return got.execution_count !== null && got.metadata.jupyter_d1.execution_state === 'idle';
          },
          `cell ${cell} to run`,
          30_000,
        );
      };
      await run(first);
      expect((await d1.request('GET', `/notebooks/${uuid}/vars/n`)).status).toBe(200);
      await run(second);
      const res = await d1.request('GET', `/notebooks/${uuid}/vars/n`);
      expect(res.status).toBe(200);
      expect(res.json.single_var).toMatchObject({ name: 'n', type: 'int', value: { single_value: '42' } });
      const missing = await d1.request('GET', `/notebooks/${uuid}/vars/nope`);
      expectErrorJson(missing, 404, 'NOT_FOUND');
      await d1.request('DELETE', `/notebooks/${uuid}`);
    }, 60_000);
  });
});
