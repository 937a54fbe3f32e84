import { execFile } from 'node:child_process';
import { join } from 'node:path';
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
