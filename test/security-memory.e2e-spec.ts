import { freePort } from '@d1/supervisor';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { START_D1 } from './support/built';
import { waitFor } from './support/d1';
import { report } from './support/kernels';

const MiB = 1024 * 1024;
/** How much d1's resident memory may grow while an attack runs. */
const GROWTH_BOUND = 60 * MiB;

/** The resident set size of a process, in bytes. */
function rss(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** Samples a process's RSS every 10 ms while `attack` runs; returns the peak growth over the start. */
async function peakGrowth(pid: number, attack: () => Promise<unknown>): Promise<number> {
  const start = rss(pid);
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, rss(pid))), 10);
  try {
    await attack();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rss(pid)) - start;
}

/**
 * Sends a request head, then `total` bytes of body as fast as the server takes them (as a Content-Length
 * body, or in chunks), whatever the server answers meanwhile; resolves with the status it answered once
 * the connection ends.
 */
function flood(port: number, head: string, total: number, chunked: boolean): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunk = Buffer.alloc(MiB, 'a');
    const framed = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    ]);
    let answer = '';
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunked ? framed : chunk)) return void socket.once('drain', pump);
      }
      if (chunked && !socket.destroyed) socket.write('0\r\n\r\n');
    };
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer ? Number(answer.split(' ')[1]) : null));
    socket.setTimeout(60_000, () => socket.destroy());
    socket.write(head);
    pump();
    // Once the whole body is out and an answer came, there is nothing left to wait for.
    const done = setInterval(() => {
      if (sent >= total && answer.includes('\r\n\r\n')) {
        clearInterval(done);
        socket.end();
      }
    }, 50);
    socket.on('close', () => clearInterval(done));
  });
}

describe('security: memory stays bounded under oversized requests (d1 as its own process)', () => {
  let child: ChildProcess;
  let port: number;
  let root: string;
  let rw: string;
  let ro: string;
  let uuid: string;
  const secret = `memory-secret-${process.pid}`;
  const output: string[] = [];

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'd1-memory-')));
    port = await freePort();
    child = spawn(START_D1, [], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        D1_PORT: String(port),
        D1_SECRET_TOKEN: secret,
        D1_ROOT_DIR: root,
        D1_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => (await fetch(`${base}/readyz`).catch(() => null))?.status === 200,
      'd1 to be ready',
      30_000,
    );
    const login = await fetch(`${base}/login/access-token`, { headers: { authorization: secret } });
    rw = ((await login.json()) as { token: { access_token: string } }).token.access_token;
    const post = (path: string, body: unknown) =>
      fetch(base + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${rw}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Record<string, any>>); // eslint-disable-line @typescript-eslint/no-explicit-any
    ro = (await post('/login/token', { read_access: true, write_access: false })).token.access_token;
    uuid = (await post('/notebooks/create?filename=memory', {})).notebook.metadata.jupyter_d1.uuid;
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('three unauthenticated 90 MB bodies (length-framed and chunked) are refused before they are read', async () => {
    const statuses: Array<number | null> = [];
    const head = (framing: string) =>
      `POST /notebooks/upload_and_open?filename=big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`;
    const growth = await peakGrowth(child.pid!, async () => {
      const floods = [
        flood(port, head(`Content-Length: ${90 * MiB}`), 90 * MiB, false),
        flood(port, head(`Content-Length: ${90 * MiB}`), 90 * MiB, false),
        flood(port, head('Transfer-Encoding: chunked'), 90 * MiB, true),
      ];
      statuses.push(...(await Promise.all(floods)));
    });
    report(
      `3 x 90 MB unauthenticated bodies: d1 RSS +${(growth / MiB).toFixed(1)} MB, ${statuses.join(' ')}`,
    );
    expect(statuses).toEqual([401, 401, 401]);
    expect(growth).toBeLessThan(GROWTH_BOUND);
  });

  it('an authenticated 90 MB body to a JSON route or to no route is cut at the JSON limit (413) or refused (404)', async () => {
    const statuses: Array<number | null> = [];
    const auth = `Authorization: Bearer ${rw}\r\n`;
    const growth = await peakGrowth(child.pid!, async () => {
      const floods = [
        flood(
          port,
          `POST /notebooks/${uuid}/cells HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${auth}Transfer-Encoding: chunked\r\n\r\n`,
          90 * MiB,
          true,
        ),
        flood(
          port,
          `POST /kernels/x/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${auth}Content-Length: ${90 * MiB}\r\n\r\n`,
          90 * MiB,
          false,
        ),
        flood(
          port,
          `POST /no/such/route HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${90 * MiB}\r\n\r\n`,
          90 * MiB,
          false,
        ),
      ];
      statuses.push(...(await Promise.all(floods)));
    });
    report(
      `3 x 90 MB bodies past the JSON limit: d1 RSS +${(growth / MiB).toFixed(1)} MB, ${statuses.join(' ')}`,
    );
    expect(statuses).toEqual([413, 413, 404]);
    expect(growth).toBeLessThan(GROWTH_BOUND);
  });

  it('a read-only client sending 100 MiB websocket frames is closed with 1009 without buffering them', async () => {
    const frame = Buffer.alloc(100 * MiB, 'a');
    const paths = [`/notebooks/${uuid}/ws/notebook`, `/notebooks/${uuid}/ws/notebook`, '/server/ws'];
    const codes: number[] = [];
    const growth = await peakGrowth(child.pid!, async () => {
      const closed = paths.map(
        (path) =>
          new Promise<number>((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
              headers: { authorization: `Bearer ${ro}` },
            });
            ws.on('open', () => ws.send(frame, { binary: false }, () => undefined));
            ws.on('error', () => undefined);
            ws.on('close', (code) => resolve(code));
            setTimeout(() => reject(new Error(`${path}: not closed`)), 30_000).unref();
          }),
      );
      codes.push(...(await Promise.all(closed)));
    });
    report(`3 x 100 MiB websocket frames: d1 RSS +${(growth / MiB).toFixed(1)} MB`);
    expect(codes).toEqual([1009, 1009, 1009]);
    expect(growth).toBeLessThan(GROWTH_BOUND);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('a chunked WebDAV PUT past --max-body is a 413, streamed to disk and never held in memory', async () => {
    // d1 runs with the default --max-body of 100 MiB; 120 MiB of chunks must stop at the limit.
    const basic = Buffer.from(`${rw}:`).toString('base64');
    let status: number | null = null;
    const growth = await peakGrowth(child.pid!, async () => {
      status = await flood(
        port,
        `PUT /dav/huge.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${basic}\r\nTransfer-Encoding: chunked\r\n\r\n`,
        120 * MiB,
        true,
      );
    });
    report(`120 MiB chunked WebDAV PUT: d1 RSS +${(growth / MiB).toFixed(1)} MB`);
    expect(status).toBe(413);
    expect(growth).toBeLessThan(GROWTH_BOUND);
    expect(() => readFileSync(join(root, 'huge.bin'))).toThrow(/ENOENT/);
  });
});
