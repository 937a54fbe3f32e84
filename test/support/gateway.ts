import { freePort, SupervisedProcess } from '@d1/supervisor';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jupyterServerArgs } from '../../apps/d1/src/kernels/jupyter-args';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A second, separately started Jupyter Server that plays the remote kernel gateway. */
export interface TestGateway {
  url: string;
  port: number;
  token: string;
  process: SupervisedProcess;
  /** Ids of the kernels running in it, asked of it directly. */
  kernels(): Promise<string[]>;
  /** One kernel's model as the gateway reports it (its own view of execution_state). */
  kernel(id: string): Promise<{ id: string; execution_state: string }>;
  stop(): Promise<void>;
}

/** Starts a Jupyter Server configured as d1's embedded one, with its own token and root dir. */
export async function startGateway(): Promise<TestGateway> {
  const rootDir = realpathSync(mkdtempSync(join(tmpdir(), 'd1-gateway-')));
  const token = 'gateway-token-' + Math.random().toString(36).slice(2);
  const port = await freePort();
  const args = [...jupyterServerArgs(port, rootDir), `--ServerApp.token=${token}`];
  const process = new SupervisedProcess({
    name: 'gateway',
    command: ['/usr/bin/jupyter', ...args],
    port,
    environment: { PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    readiness: { url: `/api/status?token=${token}`, timeoutMs: 30_000, accept: (s) => s === 200 },
    restart: { enabled: false },
    stopSignalGraceMs: 3000,
  });
  await process.start();
  const url = `http://127.0.0.1:${port}`;
  const get = async (path: string): Promise<any> => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `token ${token}` } });
    return res.json();
  };
  return {
    url,
    port,
    token,
    process,
    kernels: async () => ((await get('/api/kernels')) as Array<{ id: string }>).map((k) => k.id),
    kernel: (id) => get(`/api/kernels/${id}`),
    stop: async () => {
      await process.stop();
      rmSync(rootDir, { recursive: true, force: true });
    },
  };
}
