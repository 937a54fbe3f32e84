import { freePort } from '@d1/supervisor';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRET_ENV_VARS } from '../apps/d1/src/config';
import { START_D1 } from './support/built';
import { useD1, waitFor } from './support/d1';
import { davRequest } from './support/dav-client';
import type { Json } from './support/ws';

/** The claims of a JWT, unverified. */
function claims(token: string): { exp: number; sub: string } {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

/** GET /login/access-token from a chosen local address (127.0.0.0/8 is all loopback on Linux). */
function loginFrom(
  port: number,
  localAddress: string,
  secret: string,
): Promise<{ status: number; retryAfter?: string; body: Json }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: '/login/access-token',
        localAddress,
        headers: { authorization: secret },
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'] as string | undefined,
            body: JSON.parse(text),
          }),
        );
      },
    );
    req.on('error', reject);
  });
}

describe('security: tokens, secrets and logins', () => {
  describe('minted tokens', () => {
    const d1 = useD1();

    it('a 4-second token cannot mint a 3650-day token (422 naming expires_in)', async () => {
      const short = await d1.token({ read_access: true, write_access: true, expires_in: 4 });
      const res = await d1.request('POST', '/login/token', {
        auth: `Bearer ${short}`,
        body: { read_access: true, write_access: true, expires_in: 3650 * 24 * 3600 },
      });
      expect(res.status).toBe(422);
      expect(res.json).toEqual({
        error: 'VALIDATION_ERROR',
        reason: expect.stringMatching(
          /^expires_in: must be at most [1-4]: a token cannot outlive the token that mints it$/,
        ),
        detail: [{ loc: ['body', 'expires_in'], msg: expect.any(String), type: 'max' }],
      });
    });

    it('a token minted without expires_in expires with its minter, not 8 days later', async () => {
      const short = await d1.token({ read_access: true, write_access: true, expires_in: 60 });
      const res = await d1.request('POST', '/login/token', {
        auth: `Bearer ${short}`,
        body: { read_access: true, write_access: false },
      });
      expect(res.status).toBe(200);
      expect(claims(res.json.token.access_token).exp).toBeLessThanOrEqual(claims(short).exp);
    });

    it('a read-only token mints nothing (403), so it can never mint a writer', async () => {
      const ro = await d1.token({ read_access: true, write_access: false });
      const res = await d1.request('POST', '/login/token', {
        auth: `Bearer ${ro}`,
        body: { read_access: true, write_access: true },
      });
      expect(res.status).toBe(403);
    });
  });

  describe('failed logins', () => {
    const d1 = useD1();
    let port: number;
    beforeAll(async () => {
      port = Number(new URL(d1.baseUrl).port);
    });

    it('are throttled per client, at /login/access-token and as a WebDAV password together', async () => {
      // Five wrong guesses at login and five as a WebDAV Basic password use up the ten a minute allowed.
      for (let i = 0; i < 5; i++) {
        expect((await loginFrom(port, '127.0.0.1', `guess-${i}`)).status).toBe(401);
        const dav = await davRequest(port, 'PROPFIND', '/dav/', { auth: ['anyone', `guess-dav-${i}`] });
        expect(dav.status).toBe(401);
      }
      const blocked = await loginFrom(port, '127.0.0.1', d1.secret);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.retryAfter)).toBeGreaterThan(0);
      expect(Number(blocked.retryAfter)).toBeLessThanOrEqual(60);
      expect(blocked.body).toEqual({
        error: 'TOO_MANY_REQUESTS',
        reason: expect.stringMatching(/^Too many failed logins from this client; try again in \d+ s$/),
        detail: null,
      });
      const dav = await davRequest(port, 'PROPFIND', '/dav/', { auth: ['anyone', d1.secret] });
      expect(dav.status).toBe(429);
      expect(dav.headers['retry-after']).toMatch(/^\d+$/);
      expect(JSON.parse(dav.body).error).toBe('TOO_MANY_REQUESTS');
      // Another client with the right secret is not affected.
      const other = await loginFrom(port, '127.0.0.2', d1.secret);
      expect(other.status).toBe(200);
      // Tokens cannot be guessed and are not throttled: the blocked client's token still works.
      const token = other.body.token.access_token;
      expect((await davRequest(port, 'PROPFIND', '/dav/', { auth: [token, ''] })).status).toBe(207);
      expect((await d1.request('GET', '/server/version', { auth: `Bearer ${token}` })).status).toBe(200);
    });
  });

  describe('/server/environment', () => {
    const d1 = useD1({
      gatewayUrl: 'http://gwuser:gw-hunter2@127.0.0.1:9',
      childEnv: {
        PATH: '/usr/bin',
        DATABASE_URL: 'postgres://app:hunter2@db.internal:5432/app',
        PIP_INDEX_URL: 'https://build:pa/ss-hunter2@pypi.internal/simple',
        PGOPTIONS: 'host=db password=hunter2 user=app',
        CALLBACK: 'https://hooks.internal/notify?token=hunter2&x=1',
      },
    });

    it('masks credentials inside values: URL userinfo, password= and token= pairs', async () => {
      const res = await d1.request('GET', '/server/environment');
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('hunter2');
      const { environ } = res.json.environment_info.process;
      expect(environ).toEqual({
        PATH: '/usr/bin',
        DATABASE_URL: 'postgres://***@db.internal:5432/app',
        PIP_INDEX_URL: 'https://***@pypi.internal/simple',
        PGOPTIONS: 'host=db password=*** user=app',
        CALLBACK: 'https://hooks.internal/notify?token=***&x=1',
      });
      expect(res.json.environment_info.config.gatewayUrl).toBe('http://***@127.0.0.1:9');
    });
  });

  describe('secrets from files, never on the command line', () => {
    let child: ChildProcess | null = null;
    let dir: string;
    afterAll(() => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    it('start-d1 --secret-token-file: the secret works, is in no argv, and no child process inherits d1 secrets', async () => {
      dir = realpathSync(mkdtempSync(join(tmpdir(), 'd1-secret-file-')));
      const secret = `file-secret-${process.pid}`;
      const file = join(dir, 'secret');
      writeFileSync(file, `${secret}\n`, { mode: 0o600 });
      const port = await freePort();
      child = spawn(START_D1, ['--secret-token-file', file, '--root-dir', dir, '--port', String(port)], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          D1_LOG_LEVEL: 'warn',
          D1_JWT_SECRET: 'jwt-secret-from-env-0123456789abcdef',
        },
        stdio: 'ignore',
      });
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => (await fetch(`${base}/readyz`).catch(() => null))?.status === 200,
        'start-d1 to be ready',
        30_000,
      );
      expect(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')).not.toContain(secret);
      const login = await fetch(`${base}/login/access-token`, { headers: { authorization: secret } });
      expect(login.status).toBe(200);
      const token = ((await login.json()) as { token: { access_token: string } }).token.access_token;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const kernel = await fetch(`${base}/kernels`, { method: 'POST', headers, body: '{}' });
      const { id } = (await kernel.json()) as { id: string };
      const run = await fetch(`${base}/kernels/${id}/execute`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          code: `import os; print(sorted(set(os.environ) & set(${JSON.stringify(SECRET_ENV_VARS)})), "D1_LOG_LEVEL" in os.environ)`,
        }),
      });
      const lines = (await run.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const printed = lines.find((l) => l.msg_type === 'stream')?.content.text;
      // The kernel inherits d1's environment (D1_LOG_LEVEL), but none of its secrets (D1_JWT_SECRET here).
      expect(printed).toBe('[] True\n');
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }, 60_000);
  });
});
