import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { now } from './stats';

/** The repository: this file runs compiled from dist-bench/bench/support, or from bench/support under Jest. */
export const REPO = __dirname.includes('dist-bench')
  ? join(__dirname, '..', '..', '..')
  : join(__dirname, '..', '..');

/** A d1 started as its users start it: `bin/start-d1` (built) in a process of its own. */
export interface D1Process {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  wsUrl: string;
  rootDir: string;
  secret: string;
  /** Milliseconds from spawn to the first 200 of /readyz. */
  readyMs: number;
  /** Resident memory now and at its peak, in MB, from /proc/<pid>/status. */
  memory(): { rssMb: number; peakMb: number };
  stop(): Promise<void>;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** VmRSS and VmHWM of a process, in MB. */
export function procMemory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 102.4) / 10, peakMb: Math.round(kb('VmHWM') / 102.4) / 10 };
}

/** Polls /readyz until 200; resolves with the time it took from `t0`. */
async function waitReady(
  baseUrl: string,
  child: ChildProcess,
  t0: number,
  timeoutMs: number,
): Promise<number> {
  while (now() - t0 < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`start-d1 exited with ${child.exitCode}`);
    const ok = await fetch(`${baseUrl}/readyz`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return now() - t0;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`d1 not ready after ${timeoutMs} ms`);
}

/** Spawns bin/start-d1 with a fresh root dir; extra args go to its CLI. */
export async function startD1Process(opts: { args?: string[] } = {}): Promise<D1Process> {
  const rootDir = realpathSync(mkdtempSync(join(tmpdir(), 'd1-bench-')));
  const secret = 'bench-' + Math.random().toString(36).slice(2);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // BENCH_CPU_PROF=<dir> profiles every d1 the benchmarks start (written when it exits); Node refuses
  // --cpu-prof in NODE_OPTIONS, so the script then runs under an explicit node.
  const dir = process.env.BENCH_CPU_PROF;
  const prof = dir ? [process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  const args = [
    '--port',
    String(port),
    '--secret-token',
    secret,
    '--root-dir',
    rootDir,
    '--log-level',
    'warn',
  ];
  const t0 = now();
  const command = [...prof, join(REPO, 'bin', 'start-d1'), ...args, ...(opts.args ?? [])];
  const child = spawn(command[0], command.slice(1), {
    cwd: rootDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const readyMs = await waitReady(baseUrl, child, t0, 60_000);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(rootDir, { recursive: true, force: true });
  };
  const pid = child.pid!;
  return {
    child,
    pid,
    baseUrl,
    wsUrl: baseUrl.replace('http', 'ws'),
    rootDir,
    secret,
    readyMs,
    memory: () => procMemory(pid),
    stop,
  };
}
