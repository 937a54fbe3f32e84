import { EventEmitter } from 'node:events';
import { Subject } from 'rxjs';
import type { D1Config } from '../config';
import type { JupyterService } from './jupyter.service';
import { KernelPool } from './kernel-pool';
import type { KernelsService } from './kernels.service';

/** A kernel the fake relay started. */
class FakeHandle extends EventEmitter {
  isDisposed = false;
  status = 'idle';
  constructor(readonly id: string) {
    super();
  }
}

/** The relay at the adapter boundary: each start waits until the test lets it answer. */
class FakeRelay {
  readonly starts: Array<{ name: string; answer: () => void }> = [];
  readonly shutdowns: string[] = [];

  start(name: string, opts: { onCreated?: (id: string) => void }): Promise<FakeHandle> {
    const id = `k${this.starts.length + 1}`;
    opts.onCreated?.(id);
    return new Promise((resolve) => this.starts.push({ name, answer: () => resolve(new FakeHandle(id)) }));
  }

  async shutdown(id: string): Promise<void> {
    this.shutdowns.push(id);
  }
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function setup(size = 1) {
  const relay = new FakeRelay();
  let busy = false;
  const kernels = {
    relay,
    defaultSpecName: async () => 'python3',
    busy: () => busy,
  } as unknown as KernelsService;
  const jupyter = { restarted$: new Subject<void>() } as unknown as JupyterService;
  const pool = new KernelPool(kernels, jupyter, { kernelPool: size } as D1Config);
  pool.onModuleInit();
  return { pool, relay, jupyter, setBusy: (b: boolean) => (busy = b) };
}

describe('KernelPool', () => {
  afterEach(() => jest.useRealTimers());

  it('fills one kernel at a time; a notebook takes it and the pool starts the next', async () => {
    const { pool, relay } = setup();
    pool.onApplicationBootstrap();
    await flush();
    expect(relay.starts.map((s) => s.name)).toEqual(['python3']);
    expect(pool.status()).toEqual({ spec: 'python3', size: 1, ready: 0, starting: 1 });
    relay.starts[0].answer();
    await flush();
    expect(pool.status()).toMatchObject({ ready: 1, starting: 0 });
    const taken = await pool.take('python3');
    expect(taken?.id).toBe('k1');
    await flush();
    expect(relay.starts).toHaveLength(2);
    expect(await pool.take('other')).toBeNull();
  });

  it('a notebook that opens while the pool kernel starts waits for it instead of starting its own', async () => {
    const { pool, relay } = setup();
    pool.onApplicationBootstrap();
    await flush();
    const taking = pool.take('python3');
    relay.starts[0].answer();
    expect((await taking)?.id).toBe('k1');
  });

  it('puts the refill off while cells run, up to a bound', async () => {
    jest.useFakeTimers();
    const { pool, relay, setBusy } = setup();
    setBusy(true);
    pool.onApplicationBootstrap();
    await flush();
    expect(relay.starts).toHaveLength(0);
    jest.advanceTimersByTime(2000);
    await flush();
    expect(relay.starts).toHaveLength(0);
    setBusy(false);
    jest.advanceTimersByTime(300);
    await flush();
    expect(relay.starts).toHaveLength(1);
    relay.starts[0].answer();
    await flush();
    setBusy(true); // a long computation: the pool still refills after the bound
    await pool.take('python3');
    jest.advanceTimersByTime(9000);
    await flush();
    expect(relay.starts).toHaveLength(1);
    jest.advanceTimersByTime(1500);
    await flush();
    expect(relay.starts).toHaveLength(2);
  });

  it('shuts down its kernels with d1, those still starting included, and hands none out after', async () => {
    const { pool, relay } = setup(2);
    pool.onApplicationBootstrap();
    await flush();
    relay.starts[0].answer();
    await flush();
    expect(pool.status()).toMatchObject({ ready: 1, starting: 1 });
    await pool.beforeApplicationShutdown();
    expect(relay.shutdowns.sort()).toEqual(['k1', 'k2']);
    relay.starts[1].answer();
    await flush();
    expect(relay.shutdowns).toContain('k2');
    expect(await pool.take('python3')).toBeNull();
  });

  it('drops its kernels when the kernel service restarted, and refills', async () => {
    const { pool, relay, jupyter } = setup();
    pool.onApplicationBootstrap();
    await flush();
    relay.starts[0].answer();
    await flush();
    (jupyter.restarted$ as Subject<void>).next();
    await flush();
    expect(relay.shutdowns).toEqual(['k1']);
    expect(relay.starts).toHaveLength(2);
  });
});
