import { KernelRelay } from '../../libs/kernel-relay/src';
import { startJupyterServer } from './jupyter-server';
import { now } from './stats';

/**
 * Runs `code` n times (after `warmup` runs) with @jupyterlab/services, through libs/kernel-relay, on a kernel
 * of a Jupyter Server configured as d1's embedded one; each sample lasts until both reply and idle arrived.
 */
export async function servicesSamples(code: string, n: number, warmup: number): Promise<number[]> {
  const server = await startJupyterServer();
  const relay = new KernelRelay({ baseUrl: server.baseUrl, token: server.token });
  try {
    const kernel = await relay.start('python3');
    const samples: number[] = [];
    for (let i = 0; i < warmup + n; i++) {
      const t0 = now();
      await kernel.execute(code, {}, () => undefined).done;
      if (i >= warmup) samples.push(now() - t0);
    }
    await relay.shutdownAll();
    return samples;
  } finally {
    relay.dispose();
    await server.stop();
  }
}
