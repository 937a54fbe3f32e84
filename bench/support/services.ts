import { KernelRelay } from '../../libs/kernel-relay/src';
import { startJupyterServer } from './jupyter-server';
import { now } from './stats';

/** A kernel of a Jupyter Server driven with @jupyterlab/services: one timed run of its code per `once()`. */
export interface ServicesSession {
  /** Runs the code once; resolves with the time until both reply and idle arrived, in ms. */
  once(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a Jupyter Server configured as d1's embedded one and a kernel on it, reached with
 * @jupyterlab/services through libs/kernel-relay (what d1 itself uses).
 */
export async function servicesSession(code: string): Promise<ServicesSession> {
  const server = await startJupyterServer();
  const relay = new KernelRelay({ baseUrl: server.baseUrl, token: server.token });
  try {
    const kernel = await relay.start('python3');
    return {
      once: async () => {
        const t0 = now();
        await kernel.execute(code, {}, () => undefined).done;
        return now() - t0;
      },
      stop: async () => {
        await relay.shutdownAll().catch(() => undefined);
        relay.dispose();
        await server.stop();
      },
    };
  } catch (err) {
    relay.dispose();
    await server.stop();
    throw err;
  }
}

/** Runs `code` n times after `warmup` runs on a services session of its own; returns the n samples. */
export async function servicesSamples(code: string, n: number, warmup: number): Promise<number[]> {
  const session = await servicesSession(code);
  try {
    const samples: number[] = [];
    for (let i = 0; i < warmup + n; i++) {
      const ms = await session.once();
      if (i >= warmup) samples.push(ms);
    }
    return samples;
  } finally {
    await session.stop();
  }
}
