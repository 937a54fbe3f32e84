import type WebSocket from 'ws';
import { D1Client, IdleWatch, opened } from './support/client';
import { D1Process, startD1Process } from './support/d1-process';
import { now, summarize } from './support/stats';

/** Connects `count` clients to one notebook, a few at a time (a thousand handshakes at once time out). */
async function connect(client: D1Client, uuid: string, count: number, cell: string) {
  const sockets: WebSocket[] = [];
  const watches: IdleWatch[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, () => client.socket(uuid));
    await Promise.all(batch.map(opened));
    sockets.push(...batch);
    watches.push(...batch.map((ws) => new IdleWatch(ws, cell)));
  }
  return { sockets, watches };
}

/** One fan-out size: per-client delivery latency (REST execute → each client's idle update) and spread. */
async function fanout(d1: D1Process, client: D1Client, count: number, rounds: number) {
  const uuid = await client.createNotebook(`fanout-${count}.ipynb`);
  const cell = await client.addCell(uuid, 'print("x")');
  const before = d1.memory();
  const { sockets, watches } = await connect(client, uuid, count, cell);
  const connected = d1.memory();
  const latencies: number[] = [];
  const spreads: number[] = [];
  for (let r = 0; r < rounds + 2; r++) {
    const arrivals = Promise.all(watches.map((w) => w.next()));
    const t0 = now();
    await client.execute(uuid, cell);
    const times = await arrivals;
    if (r < 2) continue; // warm-up rounds
    for (const t of times) latencies.push(t - t0);
    spreads.push(Math.max(...times) - Math.min(...times));
  }
  const after = d1.memory();
  for (const ws of sockets) ws.close();
  await client.call('DELETE', `/notebooks/${uuid}`);
  const lat = summarize(latencies);
  return {
    clients: count,
    rounds,
    delivery_ms: { p50: lat.median, p99: lat.p99, max: lat.max },
    spread_first_to_last_ms: summarize(spreads),
    d1_rss_mb: {
      before_clients: before.rssMb,
      connected: connected.rssMb,
      after: after.rssMb,
      peak: after.peakMb,
    },
  };
}

/**
 * Fan-out to 10, 100 and 1000 websocket clients of one notebook. The server's emit time is not visible from
 * outside, so latency is REST call → each client's receipt of the idle update; it includes the kernel run
 * (~10 ms, see roundtrip) and this process reading every socket on the same 2 vCPUs as d1 and the kernel.
 */
export async function fanoutBench(): Promise<Record<string, unknown>> {
  const rounds = Number(process.env.BENCH_FANOUT_ROUNDS ?? 20);
  const d1 = await startD1Process();
  try {
    const client = await D1Client.login(d1.baseUrl, d1.secret);
    const sizes = [];
    for (const count of [10, 100, 1000]) sizes.push(await fanout(d1, client, count, rounds));
    const p99 = sizes[2].delivery_ms.p99;
    return {
      benchmark: 'fanout',
      unit: 'ms',
      sizes,
      bar: { clients: 1000, p99_max_ms: 50, p99_ms: p99, met: p99 < 50 },
    };
  } finally {
    await d1.stop();
  }
}
