import { NotebookEvent, NotebookEvents } from '../apps/d1/src/events/notebook-events';
import { NotebookGateway } from '../apps/d1/src/websockets/notebook.gateway';
import { useD1, waitFor } from './support/d1';
import { getNotebook, openNotebook, settle } from './support/ws-feed';
import { WsSwarm } from './support/ws-swarm';

const CLIENTS = 1000;
const mb = (n: number): number => Math.round((n / 1024 / 1024) * 10) / 10;
const pct = (sorted: number[], p: number): number =>
  Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 100) / 100;
const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * Fan-out to 1000 websocket clients on one notebook (clients in a worker thread): every client gets the same
 * messages in the same order. Latency (server hands a message to the fan-out → a client's 'message' event) and
 * memory are printed, never asserted.
 */
describe('broadcast: 1000 clients', () => {
  const d1 = useD1();

  it('delivers every update of a run-all to every client in the same order', async () => {
    const uuid = await openNotebook(
      d1,
      Array.from({ length: 5 }, (_, i) => `print(${i})`),
    );
    const start = await getNotebook(d1, uuid);
    const hub = d1.app.get(NotebookGateway).hub;
    const before = process.memoryUsage();
    const t0 = Date.now();
    const swarm = new WsSwarm(
      `${d1.wsUrl}/notebooks/${uuid}/ws/notebook?since=${start.version}`,
      await d1.token(),
      CLIENTS,
    );
    expect(await swarm.open()).toBe(CLIENTS);
    const connectMs = Date.now() - t0;
    expect(hub.count()).toBe(CLIENTS);
    const connected = process.memoryUsage();

    // Stamp each message as the server hands it to the fan-out, and time the fan-out loop itself.
    const events = d1.app.get(NotebookEvents);
    const emittedAt = new Map<number, number>();
    const fanOutMs: number[] = [];
    const next = events.notebook$.next.bind(events.notebook$);
    events.notebook$.next = (e: NotebookEvent) => {
      const t = epochNow();
      emittedAt.set(e.message.version, t);
      next(e);
      fanOutMs.push(epochNow() - t);
    };
    try {
      expect((await d1.request('POST', `/notebooks/${uuid}/execute_all`)).status).toBe(200);
      const final = await settle(d1, uuid);
      await waitFor(async () => (await swarm.minVersion()) === final.version, 'every client', 30_000);
      const after = process.memoryUsage();

      const report = await swarm.report();
      const expected = Array.from({ length: final.version - start.version }, (_, i) => start.version + i + 1);
      for (const versions of report.versions) expect(versions).toEqual(expected);
      expect(report.identical).toBe(true);
      const latencies = report.versions
        .flatMap((vs, c) => vs.map((v, i) => report.times[c][i] - (emittedAt.get(v) ?? NaN)))
        .sort((a, b) => a - b);
      expect(latencies.every((l) => Number.isFinite(l))).toBe(true);
      fanOutMs.sort((a, b) => a - b);
      console.log(
        JSON.stringify({
          clients: CLIENTS,
          messages_per_client: expected.length,
          deliveries: latencies.length,
          connect_all_ms: connectMs,
          latency_ms: { p50: pct(latencies, 50), p99: pct(latencies, 99), max: pct(latencies, 100) },
          fan_out_loop_ms_per_message: { p50: pct(fanOutMs, 50), max: pct(fanOutMs, 100) },
          server_rss_mb: { before: mb(before.rss), connected: mb(connected.rss), after_run: mb(after.rss) },
          server_heap_used_mb: {
            before: mb(before.heapUsed),
            connected: mb(connected.heapUsed),
            after_run: mb(after.heapUsed),
          },
          note: 'rss is the whole process: server plus the clients worker thread; heap is the main thread only',
        }),
      );
    } finally {
      events.notebook$.next = next;
      await swarm.close();
    }
    await waitFor(() => hub.count() === 0, 'the server to drop every client');
  });
});
