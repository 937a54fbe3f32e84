import { JwtService } from '@nestjs/jwt';
import { connect } from 'node:net';
import { useD1, waitFor } from './support/d1';
import { makeNotebook, uploadAndOpen } from './support/notebooks';
import { WsRecorder } from './support/ws';

const JWT_SECRET = 'auth-suite-jwt-secret';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const PERMISSION = { id: -1, user_id: -1, work_node_id: -1 };

/**
 * Sends only the head of a request announcing a body of `length` bytes, and resolves with the status d1
 * answers before any of the body arrives (null if it waits for the body).
 */
function headOnly(
  port: number,
  method: string,
  path: string,
  headers: string,
  length: number,
): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(
        `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}Content-Length: ${length}\r\n\r\n`,
      ),
    );
    let data = '';
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      if (data.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(Number(data.split(' ')[1]));
      }
    });
    socket.on('error', () => resolve(null));
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve(null);
    });
  });
}

function errorJson(error: string, reason?: string): object {
  return { error, reason: reason ?? expect.any(String), detail: expect.anything() };
}

describe('auth: shared secret, tokens and permissions', () => {
  const d1 = useD1({ jwtSecret: JWT_SECRET });
  let readOnly: string;
  let noAccess: string;
  const jwt = new JwtService({ secret: JWT_SECRET, signOptions: { algorithm: 'HS256' } });
  const bearer = (t: string): string => `Bearer ${t}`;

  beforeAll(async () => {
    readOnly = await d1.token({ read_access: true, write_access: false });
    noAccess = await d1.token({ read_access: false, write_access: false });
  });

  describe('login', () => {
    it('exchanges the right secret for a bearer token', async () => {
      const res = await d1.request('GET', '/login/access-token', { auth: d1.secret });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        token: { access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), token_type: 'bearer' },
      });
      const echo = await d1.request('POST', '/login/test-token', {
        auth: bearer(res.json.token.access_token),
      });
      expect(echo.status).toBe(200);
      expect(echo.json).toEqual({ permission: { ...PERMISSION, read_access: true, write_access: true } });
    });

    it.each([
      ['a wrong secret', 'not-the-secret'],
      ['the secret as a Bearer token', 'Bearer <secret>'],
      ['no Authorization header', null],
    ])('refuses %s with 401 error JSON', async (_what, auth) => {
      const header = auth === 'Bearer <secret>' ? `Bearer ${d1.secret}` : auth;
      const res = await d1.request('GET', '/login/access-token', { auth: header });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.json).toEqual(errorJson('UNAUTHORIZED', 'Login token does not match'));
    });
  });

  describe('tokens', () => {
    it('POST /login/token mints a read-only token that POST /login/test-token echoes', async () => {
      const res = await d1.request('POST', '/login/test-token', { auth: bearer(readOnly) });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ permission: { ...PERMISSION, read_access: true, write_access: false } });
    });

    it('POST /login/token answers like login', async () => {
      const res = await d1.request('POST', '/login/token', { body: { read_access: true, expires_in: 60 } });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ token: { access_token: expect.any(String), token_type: 'bearer' } });
    });

    it('a read-only token cannot mint tokens (403); a permissionless one cannot read (403)', async () => {
      const mint = await d1.request('POST', '/login/token', { auth: bearer(readOnly), body: {} });
      expect(mint.status).toBe(403);
      expect(mint.json).toEqual(errorJson('FORBIDDEN', 'Inadequate permissions'));
      const echo = await d1.request('POST', '/login/test-token', { auth: bearer(noAccess) });
      expect(echo.status).toBe(403);
      expect(echo.json).toEqual(errorJson('FORBIDDEN'));
    });

    it('a token minted with expires_in 1 works, then expires to 401', async () => {
      const short = await d1.token({ read_access: true, expires_in: 1 });
      const echo = await d1.request('POST', '/login/test-token', { auth: bearer(short) });
      // It may already have expired when minted just before a second boundary; both answers are valid here.
      expect([200, 401]).toContain(echo.status);
      const expired = await waitFor(
        async () => {
          const res = await d1.request('GET', '/server/version', { auth: bearer(short) });
          return res.status === 401 ? res : null;
        },
        'the 1 s token to expire',
        5000,
      );
      expect(expired.json).toEqual(errorJson('UNAUTHORIZED', 'Could not validate credentials'));
      expect(expired.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('accepts a token signed with --jwt-secret elsewhere, refuses expired and foreign ones', async () => {
      const perm = { ...PERMISSION, read_access: true, write_access: false };
      const now = Math.floor(Date.now() / 1000);
      const good = jwt.sign({ sub: JSON.stringify(perm), exp: now + 60 });
      expect((await d1.request('POST', '/login/test-token', { auth: bearer(good) })).json).toEqual({
        permission: perm,
      });
      const expired = jwt.sign({ sub: JSON.stringify(perm), exp: now - 10 });
      const foreign = new JwtService({ secret: 'another-key' }).sign({ sub: JSON.stringify(perm) });
      const noSub = jwt.sign({ exp: now + 60, permission: perm });
      const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
        JSON.stringify({ sub: JSON.stringify(perm), exp: now + 60 }),
      ).toString('base64url')}.`;
      for (const auth of [expired, foreign, noSub, unsigned, 'garbage']
        .map(bearer)
        .concat(['Bearer', good])) {
        const res = await d1.request('GET', '/server/version', { auth });
        expect({ auth, status: res.status, json: res.json }).toEqual({
          auth,
          status: 401,
          json: errorJson('UNAUTHORIZED', 'Could not validate credentials'),
        });
      }
    });

    it('validates the body of POST /login/token (422 naming the field)', async () => {
      for (const body of [{ read_access: 'yes' }, { expires_in: 0 }, { expires_in: 1.5 }, { admin: true }]) {
        const res = await d1.request('POST', '/login/token', { body });
        expect(res.status).toBe(422);
        expect(res.json.error).toBe('VALIDATION_ERROR');
        expect(res.json.reason).toMatch(new RegExp(`^${Object.keys(body)[0]}: `));
      }
    });
  });

  describe('permission matrix of every route', () => {
    type Access = 'public' | 'read' | 'write';
    /** Route, method, the access it needs, and a body for calls that get through (side-effect free). */
    const ROUTES: Array<[string, string, Access, unknown?]> = [
      ['GET', '/hello', 'public'],
      ['GET', '/hello/{name}', 'public'],
      ['GET', '/healthz', 'public'],
      ['GET', '/livez', 'public'],
      ['GET', '/readyz', 'public'],
      ['GET', '/docs', 'public'],
      ['GET', '/docs-json', 'public'],
      ['POST', '/login/token', 'write', { read_access: true, expires_in: 5 }],
      ['POST', '/login/test-token', 'read'],
      ['GET', '/server/version', 'read'],
      ['GET', '/server/jupyter', 'read'],
      ['GET', '/kernels/specs', 'read'],
      ['GET', '/kernels/idle', 'read'],
      ['GET', '/kernels/is_alive/{id}', 'read'],
      ['GET', '/kernels', 'read'],
      ['GET', '/kernels/{id}', 'read'],
      ['POST', '/kernels', 'write', { name: 'no-such-kernel' }],
      ['DELETE', '/kernels/{id}', 'write'],
      ['POST', '/kernels/{id}/interrupt', 'write'],
      ['POST', '/kernels/{id}/restart', 'write'],
      ['POST', '/kernels/{id}/execute', 'write', { code: '1+1' }],
      ...['shutdown', 'restart', 'interrupt'].flatMap((a): Array<[string, string, Access]> => [
        ['GET', `/kernels/${a}/{id}`, 'write'],
        ['POST', `/kernels/${a}/{id}`, 'write'],
      ]),
    ];
    const url = (path: string): string => path.replace(/\{[^}]+\}/g, UNKNOWN);

    // Rows as objects: a row shorter than the callback's parameter list would make Jest pass `done`.
    const rows = ROUTES.map(([method, path, access, body]) => ({ method, path, access, body }));
    it.each(rows)('$method $path needs $access', async ({ method, path, access, body }) => {
      // auth undefined: the suite's read-write login token.
      const tokens: Array<[string, string | null | undefined, Access | 'none']> = [
        ['no token', null, 'none'],
        ['permissionless', bearer(noAccess), 'none'],
        ['read-only', bearer(readOnly), 'read'],
        ['read-write', undefined, 'write'],
      ];
      for (const [who, auth, has] of tokens) {
        const res = await d1.request(method, url(path), { auth, body });
        const got = `${who}: ${res.status}`;
        if (access === 'public' || has === access || (access === 'read' && has === 'write')) {
          expect(got).not.toMatch(/: 40[13]$/);
          expect(res.status).toBeLessThan(500);
        } else if (auth === null) {
          expect(got).toBe(`${who}: 401`);
        } else {
          expect(got).toBe(`${who}: 403`);
          expect(res.json).toEqual(errorJson('FORBIDDEN', 'Inadequate permissions'));
        }
      }
    });

    it('covers every route in the OpenAPI document; routes added later still refuse anonymous callers', async () => {
      const doc = (await d1.request('GET', '/docs-json', { auth: null })).json as {
        paths: Record<string, Record<string, unknown>>;
      };
      const known = new Set(ROUTES.map(([m, p]) => `${m} ${p}`));
      const unlisted: string[] = [];
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const method of Object.keys(ops).map((m) => m.toUpperCase())) {
          if (known.has(`${method} ${path}`) || path === '/login/access-token') continue;
          unlisted.push(`${method} ${path}`);
          const anon = await d1.request(method, url(path), { auth: null });
          expect(`${method} ${path}: ${anon.status}`).toBe(`${method} ${path}: 401`);
          const none = await d1.request(method, url(path), { auth: bearer(noAccess) });
          expect(`${method} ${path}: ${none.status}`).toBe(`${method} ${path}: 403`);
        }
      }
      if (unlisted.length)
        process.stdout.write(`  ${unlisted.length} routes outside the table: checked for 401/403\n`);
      const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
      );
      for (const route of known) {
        if (!route.includes('/docs')) expect(documented).toContain(route);
      }
    });

    it('every route answers 401/403 (or 413 for public ones) before reading a byte of a 50 MB body', async () => {
      const doc = (await d1.request('GET', '/docs-json', { auth: null })).json as {
        paths: Record<string, Record<string, unknown>>;
      };
      const port = Number(new URL(d1.baseUrl).port);
      const access = new Map(ROUTES.map(([m, p, a]) => [`${m} ${p}`, a]));
      const got: string[] = [];
      const want: string[] = [];
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const method of Object.keys(ops).map((m) => m.toUpperCase())) {
          const needs =
            path === '/login/access-token' ? 'public' : (access.get(`${method} ${path}`) ?? 'read');
          const route = `${method} ${path}`;
          const anonymous = await headOnly(port, method, url(path), '', 50 * 1024 * 1024);
          got.push(`${route} anonymous: ${anonymous}`);
          want.push(`${route} anonymous: ${needs === 'public' ? 413 : 401}`);
          if (needs === 'write') {
            const reader = await headOnly(
              port,
              method,
              url(path),
              `Authorization: Bearer ${readOnly}\r\n`,
              50 * 1024 * 1024,
            );
            got.push(`${route} read-only: ${reader}`);
            want.push(`${route} read-only: 403`);
          }
        }
      }
      expect(got).toEqual(want);
    });

    it('auth runs before validation: a read-only token with a bad body gets 403, not 422', async () => {
      const res = await d1.request('POST', `/kernels/${UNKNOWN}/execute`, {
        auth: bearer(readOnly),
        body: { code: 5 },
      });
      expect(res.status).toBe(403);
    });
  });

  describe('permission matrix of every websocket command', () => {
    let uuid: string;
    beforeAll(async () => {
      const nb = await uploadAndOpen(d1, 'filename=ws-matrix.ipynb', makeNotebook(['x = 1']));
      uuid = nb.metadata.jupyter_d1.uuid;
      await waitFor(
        async () => (await d1.request('GET', `/kernels/${uuid}`)).status === 200,
        'the notebook kernel to be ready',
        30_000,
      );
    });

    const COMPLETE = { command: 'complete', body: { code: 'import o', cursor_position: 8 } };
    /** Every command d1 accepts, then unknown and malformed ones; what a sender without write access gets. */
    const COMMANDS: Array<[string, unknown, 'reply' | 'forbidden' | 'unknown' | 'invalid']> = [
      ['complete', COMPLETE, 'reply'],
      ['complete with a bad body', { command: 'complete', body: { code: 1 } }, 'invalid'],
      ['execute (unknown)', { command: 'execute', body: { code: '1' } }, 'unknown'],
      ['interrupt (unknown)', { command: 'interrupt' }, 'unknown'],
      ['__proto__ (unknown)', { command: '__proto__' }, 'unknown'],
      ['empty name (unknown)', { command: '' }, 'unknown'],
      ['no command', { body: {} }, 'unknown'],
    ];

    it.each(['read-only', 'read-write'])(
      'a %s sender gets exactly its answer to each command',
      async (who) => {
        const token = who === 'read-only' ? readOnly : await d1.token();
        const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, { token }).ready();
        COMMANDS.forEach(([, command], i) => ws.send({ ...(command as object), command_id: `c${i}` }));
        ws.send('{not json');
        await ws.until((m) => m.length >= COMMANDS.length + 1, 'an answer to every command');
        const answers = ws.messages;
        const byId = (id: string) => answers.find((m) => (m.complete_reply ?? m.error)?.command_id === id);
        COMMANDS.forEach(([name, command, outcome], i) => {
          const id = `c${i}`;
          const got = byId(id);
          const writer = who === 'read-write';
          const expected =
            outcome === 'unknown'
              ? {
                  error: {
                    message: `Command '${String((command as { command?: unknown }).command)}' is not supported`,
                    command_id: id,
                  },
                }
              : !writer
                ? {
                    error: {
                      message: 'Inadequate permissions',
                      detail: "Command 'complete' needs a token with write access",
                      command_id: id,
                    },
                  }
                : outcome === 'invalid'
                  ? {
                      error: {
                        message: 'Error processing incoming command, invalid body',
                        detail: [{ loc: ['code'], msg: 'str type expected', type: 'type_error.str' }],
                        command_id: id,
                      },
                    }
                  : {
                      complete_reply: expect.objectContaining({
                        matches: expect.arrayContaining(['os']),
                        command_id: id,
                      }),
                    };
          expect({ name, got }).toEqual({ name, got: expected });
        });
        expect(answers).toContainEqual({ error: { message: 'Invalid JSON in command', command_id: null } });
        expect(answers).toHaveLength(COMMANDS.length + 1);
        ws.close();
      },
    );
  });
});
