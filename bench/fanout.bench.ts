import type WebSocket from 'ws';
import { D1Client, IdleWatch, opened } from './support/client';
import { D1Process, startD1Process } from './support/d1-process';
import { now, summarize } from './support/stats';

const DELIVERY =
  'per message and client: its receipt at that client minus the earliest receipt of the same message by any ' +
  'client (the emit moment, to within one loopback hop), over every message of the measured rounds';
const EXECUTE_TO_IDLE =
  'REST execute call -> each client receiving the cell idle cell_update; includes the kernel run (~10 ms)';

const WRITE_LOOP =
  'mean time d1 spends writing one message to every subscribed socket (its d1_broadcast_latency_seconds ' +
  'sum / count over the measured rounds): the server side of delivery alone';

/** d1's broadcast-loop histogram totals (seconds, count) from /metrics. */
async function broadcastTotals(client: D1Client): Promise<{ sum: number; count: number }> {
  const res = await fetch(`${client.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${client.token}` },
  });
  const text = await res.text();
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    sum: value('d1_broadcast_latency_seconds_sum'),
    count: value('d1_broadcast_latency_seconds_count'),
  };
}

/** Connects `count` clients to one notebook, a few at a time (a thousand handshakes at once time out). */
async function connect(client: D1Client, uuid: string, count: number, cell: string) {
  const sockets: WebSocket[] = [];
  const watches: IdleWatch[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, () => client.socket(uuid));
    await Promise.all(batch.map(opened));
    sockets.push(...batch);
    watches.push(...batch.map((ws) => new IdleWatch(ws, cell, true)));
  }
  return { sockets, watches };
}

/** Waits (10 s at most) until every client holds as many messages as the others and none came for `quietMs`. */
async function settle(watches: IdleWatch[], quietMs = 150): Promise<void> {
  let last = -1;
  for (let waited = 0; waited < 10_000; waited += quietMs) {
    await new Promise((r) => setTimeout(r, quietMs));
    const total = watches.reduce((n, w) => n + w.messages, 0);
    if (total === last && watches.every((w) => w.messages === watches[0].messages)) return;
    last = total;
  }
}

/**
 * Delivery latency of messages [from, to) of every client. Every client receives a notebook's messages in
 * the same order, so the k-th arrival of each client is the same message.
 */
function deliveryLatencies(watches: IdleWatch[], from: number, to: number): number[] {
  const out: number[] = [];
  for (let k = from; k < to; k++) {
    let first = Infinity;
    for (const w of watches) first = Math.min(first, w.arrivals[k]);
    for (const w of watches) out.push(w.arrivals[k] - first);
  }
  return out;
}

/** Runs `rounds` executions after two warm-up ones; REST call -> idle per client, and idle spread. */
async function run(client: D1Client, uuid: string, cell: string, watches: IdleWatch[], rounds: number) {
  const toIdle: number[] = [];
  const spreads: number[] = [];
  let from = 0;
  let loops = { sum: 0, count: 0 };
  for (let r = 0; r < rounds + 2; r++) {
    if (r === 2) {
      await settle(watches); // warm-up over: measure from here
      from = watches[0].messages;
      loops = await broadcastTotals(client);
    }
    const arrivals = Promise.all(watches.map((w) => w.next()));
    const t0 = now();
    await client.execute(uuid, cell);
    const times = await arrivals;
    if (r < 2) continue;
    for (const t of times) toIdle.push(t - t0);
    spreads.push(Math.max(...times) - Math.min(...times));
  }
  await settle(watches);
  const end = await broadcastTotals(client);
  const writeLoopMs = ((end.sum - loops.sum) / (end.count - loops.count)) * 1000;
  const to = Math.min(...watches.map((w) => w.messages));
  const delivery = deliveryLatencies(watches, from, to);
  return { toIdle, spreads, delivery, messages: to - from, writeLoopMs };
}

/** One fan-out size: delivery latency, REST call -> idle, spread, and d1's memory. */
async function fanout(d1: D1Process, client: D1Client, count: number, rounds: number) {
  const uuid = await client.createNotebook(`fanout-${count}.ipynb`);
  const cell = await client.addCell(uuid, 'print("x")');
  const before = d1.memory();
  const { sockets, watches } = await connect(client, uuid, count, cell);
  const connected = d1.memory();
  const m = await run(client, uuid, cell, watches, rounds);
  const after = d1.memory();
  for (const ws of sockets) ws.close();
  await client.call('DELETE', `/notebooks/${uuid}`);
  const delivery = summarize(m.delivery);
  const toIdle = summarize(m.toIdle);
  return {
    clients: count,
    rounds,
    messages_per_execution: Math.round((m.messages / rounds) * 100) / 100,
    delivery_ms: { p50: delivery.median, p99: delivery.p99, max: delivery.max, definition: DELIVERY },
    execute_to_idle_ms: { p50: toIdle.median, p99: toIdle.p99, max: toIdle.max, definition: EXECUTE_TO_IDLE },
    spread_first_to_last_ms: summarize(m.spreads),
    d1_write_loop_ms: { mean: Math.round(m.writeLoopMs * 1000) / 1000, definition: WRITE_LOOP },
    d1_rss_mb: {
      before_clients: before.rssMb,
      connected: connected.rssMb,
      after: after.rssMb,
      peak: after.peakMb,
    },
  };
}

/**
 * Fan-out to 10, 100 and 1000 websocket clients of one notebook, the clients in this process on the same
 * 2 vCPUs as d1 and the kernel. They only note each message's arrival time and test raw bytes for the idle
 * update, so what is measured is d1 getting every message to every client (see DELIVERY).
 */
export async function fanoutBench(): Promise<Record<string, unknown>> {
  const rounds = Number(process.env.BENCH_FANOUT_ROUNDS ?? 20);
  const counts = (process.env.BENCH_FANOUT_CLIENTS ?? '10,100,1000').split(',').map(Number);
  const d1 = await startD1Process();
  try {
    const client = await D1Client.login(d1.baseUrl, d1.secret);
    const sizes = [];
    for (const count of counts) sizes.push(await fanout(d1, client, count, rounds));
    const largest = sizes[sizes.length - 1];
    const p99 = largest.delivery_ms.p99;
    return {
      benchmark: 'fanout',
      unit: 'ms',
      sizes,
      bar: { clients: largest.clients, p99_max_ms: 50, delivery_p99_ms: p99, met: p99 < 50 },
    };
  } finally {
    await d1.stop();
  }
}
