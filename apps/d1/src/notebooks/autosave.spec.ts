import { Debouncer } from './autosave';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Debouncer', () => {
  it('runs once after a burst has been quiet for the delay', async () => {
    let runs = 0;
    const d = new Debouncer(async () => void runs++, fail, 30, 1000);
    for (let i = 0; i < 5; i++) {
      d.schedule();
      await sleep(5);
    }
    expect(runs).toBe(0);
    expect(d.pending).toBe(true);
    await sleep(60);
    expect(runs).toBe(1);
    expect(d.pending).toBe(false);
  });

  it('still runs every maxWait while changes keep coming', async () => {
    let runs = 0;
    const d = new Debouncer(async () => void runs++, fail, 30, 60);
    const until = Date.now() + 200;
    while (Date.now() < until) {
      d.schedule();
      await sleep(10);
    }
    expect(runs).toBeGreaterThanOrEqual(2);
    d.cancel();
  });

  it('flush runs a pending task at once and is a no-op otherwise', async () => {
    let runs = 0;
    const d = new Debouncer(async () => void runs++, fail, 10_000, 10_000);
    await d.flush();
    expect(runs).toBe(0);
    d.schedule();
    await d.flush();
    expect(runs).toBe(1);
    await d.flush();
    expect(runs).toBe(1);
  });

  it('never overlaps runs; a change during a run gets its own run', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const d = new Debouncer(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(20);
        active--;
        runs++;
      },
      fail,
      1,
      1,
    );
    d.schedule();
    await sleep(5);
    d.schedule();
    void d.flush();
    d.schedule();
    await d.flush();
    await sleep(30);
    await d.flush();
    expect(maxActive).toBe(1);
    expect(runs).toBe(2);
  });

  it('reports failures to onError from flush, and to the caller from run', async () => {
    const errors: unknown[] = [];
    const d = new Debouncer(
      () => Promise.reject(new Error('disk full')),
      (e) => errors.push(e),
      1,
      1,
    );
    d.schedule();
    await d.flush();
    expect(errors).toHaveLength(1);
    await expect(d.run()).rejects.toThrow('disk full');
    d.schedule();
    await d.flush();
    expect(errors).toHaveLength(2);
  });

  it('cancel drops a pending change', async () => {
    let runs = 0;
    const d = new Debouncer(async () => void runs++, fail, 10, 10);
    d.schedule();
    d.cancel();
    await sleep(30);
    await d.flush();
    expect(runs).toBe(0);
  });
});

function fail(err: unknown): never {
  throw err;
}

describe('Debouncer.exclusive', () => {
  it('waits for the write in progress and holds the next one back', async () => {
    const order: string[] = [];
    const d = new Debouncer(
      async () => {
        order.push('write start');
        await sleep(20);
        order.push('write end');
      },
      fail,
      0,
      0,
    );
    d.schedule();
    await sleep(5);
    const check = d.exclusive(async () => {
      order.push('check start');
      d.schedule();
      await sleep(20);
      order.push('check end');
      return 'checked';
    });
    await expect(check).resolves.toBe('checked');
    await d.flush();
    expect(order).toEqual([
      'write start',
      'write end',
      'check start',
      'check end',
      'write start',
      'write end',
    ]);
  });
});
