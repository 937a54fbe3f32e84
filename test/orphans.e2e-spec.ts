import { freePort } from '@d1/supervisor';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { START_D1 } from './support/built';
import { waitFor } from './support/d1';
import { childPids, pidAlive } from './support/kernels';

/** d1 killed outright (SIGKILL) cannot stop its children: they must notice and stop themselves. */
describe('kill -9 of d1', () => {
  let root: string;
  let d1: ChildProcess | null = null;
  let leftovers: number[] = [];

  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'd1-orphans-')));
  });
  afterAll(() => {
    for (const pid of [d1?.pid, ...leftovers]) if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('leaves no Jupyter Server or kernel running', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    d1 = spawn(
      START_D1,
      ['--port', String(port), '--secret-token', 's', '--root-dir', root, '--log-level', 'warn'],
      {
        stdio: 'ignore',
      },
    );
    await waitFor(
      async () => (await fetch(`${base}/readyz`).catch(() => null))?.status === 200,
      'd1 ready',
      30_000,
    );
    const login = await (
      await fetch(`${base}/login/access-token`, { headers: { authorization: 's' } })
    ).json();
    const auth = { authorization: `Bearer ${login.token.access_token}`, 'content-type': 'application/json' };
    expect((await fetch(`${base}/kernels`, { method: 'POST', headers: auth, body: '{}' })).status).toBe(201);
    const info = await (await fetch(`${base}/server/jupyter`, { headers: auth })).json();
    const jupyter = info.server_info.pid as number;
    const kernels = childPids(jupyter);
    expect(kernels.length).toBeGreaterThan(0);
    leftovers = [jupyter, ...kernels];

    process.kill(d1.pid!, 'SIGKILL');
    await waitFor(() => leftovers.every((pid) => !pidAlive(pid)), 'Jupyter and kernels to exit', 15_000);
  });
});
