import { freePort } from '@d1/supervisor';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLAGS } from '../apps/d1/src/config';
import { REPO, START_D1 } from './support/built';
import { waitFor } from './support/d1';
import { childPids, pidAlive, report } from './support/kernels';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs start-d1 to completion with only the given env (plus PATH and HOME). */
function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      START_D1,
      args,
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

describe('start-d1', () => {
  let rootDir: string;

  beforeAll(() => {
    rootDir = realpathSync(mkdtempSync(join(tmpdir(), 'd1-cli-')));
  });

  afterAll(() => {
    rmSync(rootDir, { recursive: true, force: true });
  });

  it('--help lists every flag with its env var and exits 0', async () => {
    const res = await runCli(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Usage: start-d1 /);
    const documented = [
      'port',
      'host',
      'secret-token',
      'root-dir',
      'gateway-url',
      'gateway-token',
      'jwt-secret',
      'token-ttl',
      'log-level',
      'proxy-config',
      'default-kernel',
      'max-body',
    ];
    for (const name of new Set([...documented, ...Object.keys(FLAGS)])) {
      const env = FLAGS[name]?.env;
      const line = res.stdout.split('\n').find((l) => l.trimStart().startsWith(`--${name} `));
      expect({ name, line: line !== undefined }).toEqual({ name, line: true });
      if (env) expect(line).toContain(`[env ${env}]`);
    }
    expect((await runCli(['-h'])).stdout).toBe(res.stdout);
  });

  it('--version prints the version of package.json and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      expect(await runCli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('refuses bad flags and env vars with exit code 2 and one clear line', async () => {
    const secret = { D1_SECRET_TOKEN: 's' };
    const file = join(rootDir, 'a-file');
    writeFileSync(file, '');
    const cases: Array<[string[], Record<string, string>, string]> = [
      [['--port', 'abc'], secret, 'start-d1: --port must be a whole number, got "abc"'],
      [['--port', '70000'], secret, 'start-d1: --port must be between 0 and 65535, got 70000'],
      [[], { ...secret, D1_PORT: 'eighty' }, 'start-d1: D1_PORT must be a whole number, got "eighty"'],
      [[], { ...secret, D1_ROOT_DIR: '/no/such/dir' }, 'start-d1: D1_ROOT_DIR does not exist: /no/such/dir'],
      [['--root-dir', '/no/such/dir'], secret, 'start-d1: --root-dir does not exist: /no/such/dir'],
      [['--root-dir', file], secret, `start-d1: --root-dir is not a directory: ${file}`],
      [
        ['--port', '8000'],
        {},
        'start-d1: --secret-token is required (or set D1_SECRET_TOKEN): clients exchange it for tokens',
      ],
      [['--bogus'], secret, "start-d1: Unknown option '--bogus' (see start-d1 --help)"],
      [['--log-format', 'xml'], secret, 'start-d1: --log-format must be json or text, got "xml"'],
      [['--port'], secret, "start-d1: Option '--port <value>' argument missing (see start-d1 --help)"],
      [
        ['--log-level', 'loud'],
        secret,
        'start-d1: --log-level must be one of error, warn, log, debug, verbose, got "loud"',
      ],
      // A flag wins over its env var: the bad D1_LOG_LEVEL is never looked at.
      [
        ['--log-level', 'warn', '--root-dir', '/no/such/dir'],
        { ...secret, D1_LOG_LEVEL: 'loud' },
        'start-d1: --root-dir does not exist: /no/such/dir',
      ],
    ];
    const runs = await Promise.all(cases.map(([args, env]) => runCli(args, env)));
    runs.forEach((res, i) => {
      const [args, , line] = cases[i];
      expect({ args, code: res.code, stderr: res.stderr, stdout: res.stdout }).toEqual({
        args,
        code: 2,
        stderr: `${line}\n`,
        stdout: '',
      });
    });
  });

  describe('as a real process configured by env vars only', () => {
    let child: ChildProcess | null = null;
    let baseUrl: string;
    let secret: string;
    const output: string[] = [];

    beforeAll(async () => {
      const port = await freePort();
      secret = `cli-secret-${process.pid}`;
      baseUrl = `http://127.0.0.1:${port}`;
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        D1_PORT: String(port),
        D1_SECRET_TOKEN: secret,
        D1_ROOT_DIR: rootDir,
        D1_LOG_LEVEL: 'warn',
        D1_KERNEL_POOL: '2',
      };
      const t0 = Date.now();
      child = spawn(START_D1, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
      child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
      await waitFor(
        async () => (await fetch(`${baseUrl}/readyz`).catch(() => null))?.status === 200,
        'start-d1 to be ready',
        30_000,
      );
      report(`start-d1 -> /readyz 200 in ${Date.now() - t0} ms`);
    });

    afterAll(() => {
      // Only reached with the process still alive when a test failed: do not leave it behind.
      if (child && child.exitCode === null) child.kill('SIGKILL');
    });

    const authed = async (path: string, init: RequestInit = {}): Promise<Response> => {
      const login = await fetch(`${baseUrl}/login/access-token`, { headers: { authorization: secret } });
      const token = ((await login.json()) as { token: { access_token: string } }).token.access_token;
      return fetch(baseUrl + path, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
    };

    it('listens on D1_PORT, takes D1_SECRET_TOKEN and serves D1_ROOT_DIR', async () => {
      const info = ((await (await authed('/server/jupyter')).json()) as { server_info: { root_dir: string } })
        .server_info;
      expect(info.root_dir).toBe(rootDir);
    });

    it('SIGTERM with a kernel running: exits 0 and leaves no Jupyter or kernel process', async () => {
      const started = await authed('/kernels', { method: 'POST', body: '{}' });
      expect(started.status).toBe(201);
      const { server_info } = (await (await authed('/server/jupyter')).json()) as {
        server_info: { pid: number };
      };
      // D1_KERNEL_POOL=2 keeps two more kernels started; they must go with d1 too.
      await waitFor(
        async () =>
          ((await (await authed('/kernels/pool')).json()) as { kernel_pool: { ready: number } }).kernel_pool
            .ready === 2,
        'the kernel pool to fill',
        30_000,
      );
      const kernelPids = childPids(server_info.pid);
      expect(kernelPids.length).toBe(3);

      const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
      const t0 = Date.now();
      child!.kill('SIGTERM');
      const code = await exited;
      report(`SIGTERM -> exit in ${Date.now() - t0} ms`);
      expect({ code, output: code === 0 ? '' : output.join('') }).toEqual({ code: 0, output: '' });
      for (const pid of [server_info.pid, ...kernelPids]) {
        await waitFor(() => !pidAlive(pid), `pid ${pid} to be gone`, 5000);
      }
    });
  });

  describe('logs, piped as under systemd or Docker', () => {
    /** Starts start-d1 with stdout and stderr piped (no terminal), runs `requests`, stops it; returns its output. */
    async function logsOf(
      args: string[],
      requests: (baseUrl: string, secret: string) => Promise<void>,
    ): Promise<string> {
      const port = await freePort();
      const secret = `log-secret-${process.pid}`;
      const baseUrl = `http://127.0.0.1:${port}`;
      const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', D1_SECRET_TOKEN: secret };
      const child = spawn(START_D1, ['--port', String(port), '--root-dir', rootDir, ...args], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
      child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        await waitFor(
          async () => (await fetch(`${baseUrl}/readyz`).catch(() => null))?.status === 200,
          'start-d1 to be ready',
          30_000,
        );
        await requests(baseUrl, secret);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      return output.join('');
    }

    it('writes JSON lines without colour codes: one access line per request, with the id it answered with', async () => {
      const ids: Record<string, string> = {};
      let token = '';
      const text = await logsOf([], async (baseUrl, secret) => {
        const login = await fetch(`${baseUrl}/login/access-token`, { headers: { authorization: secret } });
        ids.login = login.headers.get('x-request-id') ?? '';
        token = ((await login.json()) as { token: { access_token: string } }).token.access_token;
        const list = await fetch(`${baseUrl}/notebooks?token=${token}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        ids.list = list.headers.get('x-request-id') ?? '';
        const refused = await fetch(`${baseUrl}/notebooks`, { headers: { 'x-request-id': 'caller-id-1' } });
        ids.refused = refused.headers.get('x-request-id') ?? '';
      });
      expect(text).not.toContain('\u001b[');
      const lines = text.trim().split('\n');
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const access = parsed.filter((l) => l.context === 'HTTP');
      expect(ids.refused).toBe('caller-id-1');
      for (const [name, route, status] of [
        ['login', '/login/access-token', 200],
        ['list', '/notebooks', 200],
        ['refused', '/notebooks', 401],
      ] as const) {
        const mine = access.filter((l) => l.request_id === ids[name]);
        expect(mine).toEqual([
          expect.objectContaining({
            level: 'log',
            method: 'GET',
            route,
            status,
            duration_ms: expect.any(Number),
          }),
        ]);
      }
      expect(text).not.toContain(token);
      expect(text).not.toContain(`log-secret-${process.pid}`);
    });

    it('--log-format text writes plain lines, still without colour codes when piped', async () => {
      const text = await logsOf(['--log-format', 'text'], async (baseUrl) => {
        await fetch(`${baseUrl}/hello`);
      });
      expect(text).not.toContain('\u001b[');
      expect(text).toMatch(
        /\[HTTP\] \[[0-9a-f-]{36}\] GET \/hello 200 [\d.]+ ms method=GET route=\/hello status=200/,
      );
    });
  });
});
