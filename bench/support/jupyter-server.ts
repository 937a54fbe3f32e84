import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jupyterServerArgs } from '../../apps/d1/src/kernels/jupyter-args';
import { StopWaiting, waitFor } from '../../test/support/wait';
import { freePort } from './d1-process';

/** A Jupyter Server started exactly as d1 starts its embedded one (same config file and flags). */
export interface JupyterServer {
  baseUrl: string;
  token: string;
  stop(): Promise<void>;
}

/** Starts Debian's Jupyter Server with d1's TCP_NODELAY config and waits for /api/status. */
export async function startJupyterServer(): Promise<JupyterServer> {
  const root = mkdtempSync(join(tmpdir(), 'd1-bench-jupyter-'));
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const args = jupyterServerArgs(port, root);
  const child: ChildProcess = spawn(process.env.D1_BENCH_JUPYTER ?? '/usr/bin/jupyter', args, {
    env: { ...process.env, JUPYTER_TOKEN: token, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    cwd: root,
    stdio: 'ignore',
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new StopWaiting(`Jupyter Server exited with ${child.exitCode}`);
      return (await fetch(`${baseUrl}/api/status?token=${token}`)).status === 200;
    },
    'Jupyter Server to start',
    30_000,
  );
  return {
    baseUrl,
    token,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    },
  };
}
