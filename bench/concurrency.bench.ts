import type WebSocket from 'ws';
import { D1Client, opened } from './support/client';
import { startD1Process } from './support/d1-process';
import { Msg, reduce } from '../libs/client/src';

const NOTEBOOKS = Number(process.env.BENCH_CONC_NOTEBOOKS ?? 20);
const CLIENTS = Number(process.env.BENCH_CONC_CLIENTS ?? 5);

interface Counts {
  executions: number;
  edits: number;
  errors: number;
}

interface Watched {
  uuid: string;
  initial: unknown;
  cells: string[];
  sockets: Array<{ ws: WebSocket; msgs: Msg[] }>;
}

/** Opens a notebook with two cells and connects its clients with ?since (so they resync like d1 clients). */
async function open(client: D1Client, i: number, counts: Counts): Promise<Watched> {
  const uuid = await client.createNotebook(`conc-${i}.ipynb`);
  const cells = [await client.addCell(uuid, 'n = 0'), await client.addCell(uuid, 'n += 1; n')];
  const { json } = await client.call('GET', `/notebooks/${uuid}`);
  const sockets = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const ws = client.socket(uuid, json.version);
      const msgs: Msg[] = [];
      ws.on('message', (d) => msgs.push(JSON.parse(d.toString())));
      ws.on('error', () => counts.errors++);
      await opened(ws);
      return { ws, msgs };
    }),
  );
  return { uuid, initial: json.notebook, cells, sockets };
}

/** One client's loop: alternately run a cell and edit the other, until the deadline. */
async function work(
  client: D1Client,
  nb: Watched,
  seed: number,
  until: number,
  counts: Counts,
): Promise<void> {
  for (let k = seed; Date.now() < until; k++) {
    const edit = k % 2 === 0;
    const cell = nb.cells[edit ? 0 : 1];
    const res = edit
      ? await client.call(
          'PATCH',
          `/notebooks/${nb.uuid}/cells/${cell}`,
          { source: `n = ${k}  # ${seed}` },
          true,
        )
      : await client.call('POST', `/notebooks/${nb.uuid}/cells/${cell}/execute`, undefined, true);
    if (res.status < 200 || res.status >= 300) counts.errors++;
    else if (edit) counts.edits++;
    else counts.executions++;
  }
}

/** Waits until every client holds the server's current version; returns how many clients differ from REST. */
async function compare(client: D1Client, nb: Watched): Promise<number> {
  let current = { version: -1, notebook: null as unknown };
  for (let tries = 0; tries < 300; tries++) {
    const { json } = await client.call('GET', `/notebooks/${nb.uuid}`);
    const busy = json.notebook.cells.some((c: Msg) => c.metadata.jupyter_d1.execution_state !== 'idle');
    const caughtUp = nb.sockets.every((s) => (s.msgs.at(-1)?.version ?? -1) >= json.version);
    if (!busy && caughtUp && json.version === current.version) break;
    current = json;
    await new Promise((r) => setTimeout(r, 100));
  }
  const want = JSON.stringify((current.notebook as { cells: unknown }).cells);
  return nb.sockets.filter((s) => JSON.stringify(reduce(nb.initial, s.msgs).cells) !== want).length;
}

/** 20 notebooks × 5 clients executing and editing for BENCH_CONC_SECONDS (30): throughput, errors, state. */
export async function concurrency(): Promise<Record<string, unknown>> {
  const seconds = Number(process.env.BENCH_CONC_SECONDS ?? 30);
  const d1 = await startD1Process();
  const counts: Counts = { executions: 0, edits: 0, errors: 0 };
  try {
    const client = await D1Client.login(d1.baseUrl, d1.secret);
    const nbs: Watched[] = [];
    for (let i = 0; i < NOTEBOOKS; i++) nbs.push(await open(client, i, counts));
    const until = Date.now() + seconds * 1000;
    await Promise.all(nbs.flatMap((nb) => nb.sockets.map((_, c) => work(client, nb, c, until, counts))));
    const differing = await Promise.all(nbs.map((nb) => compare(client, nb)));
    for (const nb of nbs) for (const s of nb.sockets) s.ws.close();
    const diverged = differing.reduce((a, b) => a + b, 0);
    // Executions are queued by REST and run later; the replies one client saw count the ones that ran.
    const replies = nbs.reduce(
      (n, nb) => n + nb.sockets[0].msgs.filter((m) => 'cell_execution_reply' in m).length,
      0,
    );
    return {
      benchmark: 'concurrency',
      notebooks: NOTEBOOKS,
      clients_per_notebook: CLIENTS,
      seconds,
      executions_per_s: Math.round((counts.executions / seconds) * 10) / 10,
      edits_per_s: Math.round((counts.edits / seconds) * 10) / 10,
      executions: counts.executions,
      executions_completed: replies,
      edits: counts.edits,
      errors: counts.errors,
      clients_differing_from_rest: diverged,
      identical_state: diverged === 0,
      d1_peak_rss_mb: d1.memory().peakMb,
    };
  } finally {
    await d1.stop();
  }
}
