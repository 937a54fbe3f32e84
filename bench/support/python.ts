import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { REPO } from './d1-process';

/** Debian's Python, which has jupyter_client (the python3 on PATH may not). */
export const PYTHON = process.env.D1_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(REPO, 'bench', 'baseline_jupyter_client.py');

/** What the jupyter_client baseline prints. */
export interface BaselineResult {
  samples_ms: number[];
  messages?: number[];
}

/** Runs the jupyter_client baseline (a kernel of its own, straight over ZMQ) and returns its samples. */
export async function jupyterClient(args: string[]): Promise<BaselineResult> {
  const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, ...args], {
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as BaselineResult;
}

/** A jupyter_client baseline kept running: one kernel, one timed run of its code per `once()`. */
export interface BaselineSession {
  /** Runs the code once; resolves with the time the Python side measured, in ms. */
  once(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `baseline_jupyter_client.py serve CODE` and waits until its kernel is up. */
export async function jupyterClientSession(code: string): Promise<BaselineSession> {
  const child = spawn(PYTHON, [SCRIPT, 'serve', code], {
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`jupyter_client baseline exited (${child.exitCode ?? child.signalCode})`);
    return value as string;
  };
  if ((await next()) !== 'ready') throw new Error('jupyter_client baseline did not start');
  return {
    once: async () => {
      child.stdin.write('\n');
      return Number(await next());
    },
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
