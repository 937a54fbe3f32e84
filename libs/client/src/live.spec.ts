import type { D1Client } from './http';
import { LiveNotebook } from './live';
import type { WebSocketLike } from './socket';

class FakeSocket implements WebSocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.onopen?.({});
  }
  message(m: unknown): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
  drop(code = 1006, reason = ''): void {
    this.onclose?.({ code, reason });
  }
}

const UUID = '11111111-1111-4111-8111-111111111111';

function setup(versions: number[]) {
  const sockets: FakeSocket[] = [];
  const served = [...versions];
  const client = {
    token: 'jwt',
    wsUrl: (path: string, q: Record<string, unknown>) => `ws://d1/${path}?since=${q.since}`,
    getNotebook: jest.fn(async () => ({
      notebook: { cells: [], metadata: {} },
      version: served.shift() ?? 0,
    })),
  } as unknown as D1Client;
  const live = new LiveNotebook({
    client,
    uuid: UUID,
    webSocket: (url, protocols) => {
      const s = new FakeSocket(url, protocols);
      sockets.push(s);
      return s;
    },
    backoff: { minMs: 100, maxMs: 1000 },
  });
  return { live, sockets, client };
}

const flush = () => new Promise((r) => jest.requireActual<typeof import('timers')>('timers').setImmediate(r));

describe('LiveNotebook', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('connects with ?since at the snapshot version, the token as a subprotocol, and applies messages', async () => {
    const { live, sockets } = setup([7]);
    await live.start();
    expect(sockets.map((s) => [s.url, s.protocols])).toEqual([
      [`ws://d1/notebooks/${UUID}/ws/notebook?since=7`, ['bearer', 'jwt']],
    ]);
    expect(live.status).toBe('connecting');
    sockets[0].open();
    expect(live.status).toBe('live');
    sockets[0].message({ metadata: { a: 1 }, version: 8 });
    expect(live.state).toMatchObject({ metadata: { a: 1 }, version: 8 });
  });

  it('after a lost connection: offline, then a reconnect from its version, resyncing until d1’s version', async () => {
    const { live, sockets } = setup([7, 10]);
    const seen: string[] = [];
    live.subscribe((l) => seen.push(l.status));
    await live.start();
    sockets[0].open();
    sockets[0].message({ vars: [], version: 8 });
    sockets[0].drop();
    expect(live.status).toBe('offline');
    jest.advanceTimersByTime(100);
    await flush();
    expect(sockets[1].url).toContain('since=8');
    expect(live.status).toBe('resyncing');
    sockets[1].open();
    sockets[1].message({ vars: [], version: 9 });
    expect(live.status).toBe('resyncing');
    sockets[1].message({ vars: [], version: 10 });
    expect(live.status).toBe('live');
    expect([...new Set(seen)]).toEqual(['connecting', 'live', 'offline', 'resyncing']);
  });

  it('backs off between failed attempts, doubling up to the bound', async () => {
    const { live, sockets } = setup([1, 1, 1, 1, 1, 1]);
    await live.start();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = sockets.length;
      sockets[sockets.length - 1].drop();
      let waited = 0;
      while (sockets.length === before) {
        jest.advanceTimersByTime(50);
        waited += 50;
      }
      delays.push(waited);
      await flush();
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000]);
  });

  it('stops for good on 1008 (token refused, notebook closed)', async () => {
    const { live, sockets } = setup([1]);
    await live.start();
    sockets[0].drop(1008, `Notebook not found with uuid: ${UUID}`);
    jest.advanceTimersByTime(10_000);
    expect([live.status, live.closedBecause, sockets.length]).toEqual([
      'closed',
      `Notebook not found with uuid: ${UUID}`,
      1,
    ]);
  });

  it('resyncs when a version is skipped', async () => {
    const { live, sockets } = setup([1, 3]);
    await live.start();
    sockets[0].open();
    sockets[0].message({ vars: [], version: 3 });
    expect(live.state?.version).toBe(1);
    expect(sockets[0].closed).toBe(true);
    jest.advanceTimersByTime(100);
    expect(sockets[1].url).toContain('since=1');
  });
});
