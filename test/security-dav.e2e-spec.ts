import { ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { useD1, waitFor } from './support/d1';
import { DavResponse, davRequest } from './support/dav-client';
import { report } from './support/kernels';

/**
 * Swaps root/sw between a real directory and a symlink to the outside directory as fast as it can, with
 * short random pauses in each state, until killed; prints the number of swaps on exit.
 */
const SWAPPER = `
import os, random, signal, sys, time
root, outside = sys.argv[1], sys.argv[2]
sw, real = os.path.join(root, "sw"), os.path.join(root, "sw.real")
swaps = 0
def stop(*_):
    print(swaps, flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("ready", flush=True)
while True:
    try:
        os.rename(sw, real)
        os.symlink(outside, sw)
        time.sleep(random.random() * 0.0005)
        os.unlink(sw)
        os.rename(real, sw)
        time.sleep(random.random() * 0.003)
        swaps += 1
    except OSError:
        pass
`;

/** Runs `count` tasks, `concurrency` at a time. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Every file under a directory with its content. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) out[name] = readFileSync(join(dir, name), 'utf8');
  return out;
}

describe('security: WebDAV cannot be led out of the root dir, and serves files inert', () => {
  const d1 = useD1();
  let port: number;
  let rw: [string, string];
  let ro: [string, string];
  let outside: string;

  beforeAll(async () => {
    port = Number(new URL(d1.baseUrl).port);
    rw = [await d1.token(), ''];
    ro = ['viewer', await d1.token({ read_access: true, write_access: false })];
    outside = mkdtempSync(join(dirname(d1.rootDir), 'd1-outside-'));
  });

  afterAll(async () => {
    rmSync(outside, { recursive: true, force: true });
  });

  describe('a directory swapped for a symlink while requests run', () => {
    let swapper: ChildProcess | null = null;
    afterEach(() => {
      if (swapper && swapper.exitCode === null) swapper.kill('SIGKILL');
    });

    it('no GET reads, no PUT/COPY/MOVE/DELETE writes and no listing shows anything outside', async () => {
      writeFileSync(join(outside, 'secret.txt'), 'OUTSIDE-SECRET');
      writeFileSync(join(outside, 'victim.txt'), 'OUTSIDE-VICTIM');
      writeFileSync(join(outside, 'outside-only.txt'), 'OUTSIDE-ONLY');
      const before = snapshot(outside);
      const sw = join(d1.rootDir, 'sw');
      mkdirSync(sw);
      writeFileSync(join(sw, 'secret.txt'), 'inside');
      writeFileSync(join(sw, 'victim.txt'), 'inside');

      swapper = spawn('/usr/bin/python3', ['-c', SWAPPER, d1.rootDir, outside], { stdio: 'pipe' });
      let out = '';
      swapper.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor(() => out.includes('ready'), 'the swapper to start');

      const seen: Array<DavResponse & { request: string }> = [];
      const req = async (method: string, path: string, auth: [string, string], headers = {}, body?: string) =>
        seen.push({
          request: `${method} ${path}`,
          // A connection cut short is recorded as status 0: the server sent something broken.
          ...(await davRequest(port, method, path, { auth, headers, body }).catch((e: Error) => ({
            status: 0,
            headers: {},
            body: e.message,
          }))),
        });
      await pool(300, 8, async (i) => {
        await req('GET', '/dav/sw/secret.txt', ro);
        await req('PUT', `/dav/sw/${i % 3 === 0 ? 'victim.txt' : `new-${i}.txt`}`, rw, {}, `written-${i}`);
        if (i % 5 === 0) await req('PROPFIND', '/dav/sw/', ro, { depth: '1' });
        if (i % 5 === 1)
          await req('COPY', '/dav/sw/secret.txt', rw, { destination: `/dav/copy-${i}.txt`, overwrite: 'T' });
        if (i % 5 === 2) await req('DELETE', '/dav/sw/victim.txt', rw);
        if (i % 5 === 3) {
          await req('PUT', `/dav/mv-${i}.txt`, rw, {}, `moved-${i}`);
          await req('MOVE', `/dav/mv-${i}.txt`, rw, { destination: `/dav/sw/mv-${i}.txt` });
        }
      });

      const exited = new Promise((resolve) => swapper!.once('exit', resolve));
      swapper.kill('SIGTERM');
      await exited;
      const swaps = Number(out.split('\n').filter(Boolean).pop());
      const succeeded = seen.filter((r) => r.status < 300).length;
      const statuses: Record<string, number> = {};
      for (const r of seen) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      report(
        `${seen.length} WebDAV requests during ${swaps} swaps; ${succeeded} succeeded ${JSON.stringify(statuses)}`,
      );
      expect(swaps).toBeGreaterThan(100);

      expect(seen.filter((r) => r.body.includes('OUTSIDE'))).toEqual([]);
      expect(snapshot(outside)).toEqual(before);
      for (const name of readdirSync(d1.rootDir).filter((n) => n.startsWith('copy-'))) {
        expect(readFileSync(join(d1.rootDir, name), 'utf8')).toBe('inside');
      }
      // The race was run for real: reads and writes through the directory succeeded meanwhile.
      expect(seen.filter((r) => r.status === 200 && r.body === 'inside').length).toBeGreaterThan(10);
      expect(seen.filter((r) => r.status === 201).length).toBeGreaterThan(10);
      const broken = seen.filter((r) => r.status >= 500 || r.status === 0);
      expect(broken.map((r) => `${r.request} -> ${r.status} ${r.body}`)).toEqual([]);
    }, 120_000);
  });

  describe('the root collection', () => {
    it('cannot be deleted, moved, or replaced by a COPY or MOVE onto it', async () => {
      writeFileSync(join(d1.rootDir, 'keep.txt'), 'keep');
      const cases: Array<[string, string, Record<string, string>]> = [
        ['DELETE', '/dav/', {}],
        ['DELETE', '/dav', {}],
        ['MOVE', '/dav/', { destination: '/dav/elsewhere/' }],
        ['COPY', '/dav/keep.txt', { destination: '/dav/', overwrite: 'T' }],
        ['MOVE', '/dav/keep.txt', { destination: '/dav/', overwrite: 'T' }],
        ['MOVE', '/dav/keep.txt', { destination: `http://127.0.0.1:${port}/dav`, overwrite: 'T' }],
      ];
      for (const [method, path, headers] of cases) {
        const res = await davRequest(port, method, path, { auth: rw, headers });
        expect(`${method} ${path} ${JSON.stringify(headers)}: ${res.status}`).toBe(
          `${method} ${path} ${JSON.stringify(headers)}: 403`,
        );
        expect(JSON.parse(res.body)).toMatchObject({ error: 'FORBIDDEN' });
      }
      expect(existsSync(d1.rootDir)).toBe(true);
      expect(readFileSync(join(d1.rootDir, 'keep.txt'), 'utf8')).toBe('keep');
      expect(existsSync(join(d1.rootDir, 'elsewhere'))).toBe(false);
    });
  });

  describe('served files', () => {
    it('an uploaded HTML page is sandboxed and never sniffed, on every WebDAV answer', async () => {
      const page = '<html><script>fetch("/login/token",{method:"POST"})</script></html>';
      expect((await davRequest(port, 'PUT', '/dav/x.html', { auth: rw, body: page })).status).toBe(201);
      for (const [method, path] of [
        ['GET', '/dav/x.html'],
        ['HEAD', '/dav/x.html'],
        ['PROPFIND', '/dav/'],
        ['GET', '/dav/nope.html'],
      ]) {
        const res = await davRequest(port, method, path, { auth: ro, headers: { depth: '0' } });
        expect({ method, path, csp: res.headers['content-security-policy'] }).toEqual({
          method,
          path,
          csp: 'sandbox',
        });
        expect(res.headers['x-content-type-options']).toBe('nosniff');
      }
      const anonymous = await davRequest(port, 'GET', '/dav/x.html');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['content-security-policy']).toBe('sandbox');
    });
  });
});
