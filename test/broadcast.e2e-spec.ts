/* eslint-disable @typescript-eslint/no-explicit-any */
import { NotebookEvents } from '../apps/d1/src/events/notebook-events';
import { useD1 } from './support/d1';
import { WsRecorder } from './support/ws';
import { getNotebook, openNotebook, settle } from './support/ws-feed';
import { applyAll, fromSnapshot, versionGaps } from '@d1/client';
import { checkFeedSchemas } from './support/ws-schemas';

/** Ten cells, each printing a few lines with small sleeps: a run-all of about half a second. */
const TEN_CELLS = Array.from(
  { length: 10 },
  (_, i) =>
    `import time\nfor j in range(4):\n    print('cell ${i} line', j, flush=True)\n    time.sleep(0.01)`,
);

describe('broadcast: versions and resync', () => {
  checkFeedSchemas();
  const d1 = useD1();
  let token: string;
  beforeAll(async () => {
    token = await d1.token();
  });

  const feed = (uuid: string, since?: number): WsRecorder =>
    new WsRecorder(
      `${d1.wsUrl}/notebooks/${uuid}/ws/notebook${since === undefined ? '' : `?since=${since}`}`,
      {
        token,
      },
    );

  it('a client that reconnects mid-run-all ends identical to one that stayed and to the REST state', async () => {
    const uuid = await openNotebook(d1, TEN_CELLS);
    const start = await getNotebook(d1, uuid);
    const stayed = await feed(uuid, start.version).ready();
    const plain = await feed(uuid).ready();
    let dropped = await feed(uuid, start.version).ready();

    expect((await d1.request('POST', `/notebooks/${uuid}/execute_all`)).status).toBe(200);
    // Leave once a few cells have produced output, stay away while more happens, then resync.
    await dropped.until((m) => m.filter((x) => x.cell_execution_reply).length >= 3, 'three replies');
    dropped.close();
    await dropped.closed();
    const firstPart = [...dropped.messages];
    const seen = firstPart.at(-1)?.version as number;
    await stayed.until((m) => m.filter((x) => x.cell_execution_reply).length >= 6, 'six replies');
    dropped = await feed(uuid, seen).ready();

    const final = await settle(d1, uuid);
    for (const c of [stayed, dropped]) {
      await c.until((m) => m.at(-1)?.version === final.version, 'the final version');
    }
    expect(versionGaps(stayed.messages, start.version)).toEqual([]);
    expect(versionGaps([...firstPart, ...dropped.messages], start.version)).toEqual([]);
    expect(dropped.messages[0].version).toBe(seen + 1);

    const viaStayed = applyAll(fromSnapshot(start.notebook, start.version), stayed.messages);
    const viaDropped = applyAll(fromSnapshot(start.notebook, start.version), [
      ...firstPart,
      ...dropped.messages,
    ]);
    expect(viaStayed.cells).toEqual(final.notebook.cells);
    expect(viaDropped.cells).toEqual(final.notebook.cells);
    expect(viaDropped.version).toBe(final.version);
    // A client without ?since gets the same messages, without versions.
    await plain.until((m) => m.length === stayed.messages.length, 'as many messages on the plain feed');
    expect(plain.messages).toEqual(stayed.messages.map(({ version: _v, ...rest }) => rest));
    expect(final.notebook.cells[9].outputs[0].text).toBe(
      [0, 1, 2, 3].map((j) => `cell 9 line ${j}\n`).join(''),
    );
    for (const c of [stayed, plain, dropped]) c.close();
  });

  it('sends one notebook_snapshot for a version older than the bounded history, then live messages', async () => {
    d1.app.get(NotebookEvents).setHistoryLimits({ maxEntries: 10 });
    try {
      const uuid = await openNotebook(d1, TEN_CELLS.slice(0, 4));
      expect((await d1.request('POST', `/notebooks/${uuid}/execute_all`)).status).toBe(200);
      const mid = await settle(d1, uuid);
      expect(mid.version).toBeGreaterThan(11);

      const old = await feed(uuid, 1).ready();
      await old.until((m) => m.length > 0, 'the snapshot');
      expect(old.types()).toEqual(['notebook_snapshot']);
      expect(old.messages[0].version).toBe(mid.version);
      expect(old.messages[0].notebook_snapshot.version).toBe(mid.version);
      expect(old.messages[0].notebook_snapshot.notebook).toEqual(mid.notebook);

      // Within the history it is a replay again; from the future (e.g. a restarted d1) a snapshot.
      const recent = await feed(uuid, mid.version - 3).ready();
      await recent.until((m) => m.length === 3, 'three replayed messages');
      expect(recent.messages.map((m) => m.version)).toEqual([mid.version - 2, mid.version - 1, mid.version]);
      const future = await feed(uuid, mid.version + 100).ready();
      await future.until((m) => m.length > 0, 'the snapshot');
      expect(future.types()).toEqual(['notebook_snapshot']);

      expect((await d1.request('POST', `/notebooks/${uuid}/execute_all`)).status).toBe(200);
      const final = await settle(d1, uuid);
      await old.until((m) => m.at(-1)?.version === final.version, 'the final version');
      expect(versionGaps(old.messages.slice(1), mid.version)).toEqual([]);
      expect(applyAll(fromSnapshot({ cells: [], metadata: {} }, 0), old.messages).cells).toEqual(
        final.notebook.cells,
      );
      for (const c of [old, recent, future]) c.close();
    } finally {
      d1.app.get(NotebookEvents).setHistoryLimits({ maxEntries: 5000 });
    }
  });

  it('coalesces 100k printed lines into a bounded number of updates and delivers the exact final output', async () => {
    const uuid = await openNotebook(d1, ['for i in range(100000): print(i)']);
    const cellId = (await getNotebook(d1, uuid)).notebook.cells[0].metadata.jupyter_d1.uuid;
    const clients = await Promise.all([feed(uuid).ready(), feed(uuid, 0).ready()]);
    const t0 = Date.now();
    expect((await d1.request('POST', `/notebooks/${uuid}/cells/${cellId}/execute`)).status).toBe(200);
    const isIdle = (m: any): boolean => m.cell_update?.[0]?.metadata.jupyter_d1.execution_state === 'idle';
    for (const c of clients) await c.until((m) => m.some(isIdle), 'the idle update', 60_000);
    const ms = Date.now() - t0;

    const expected = Array.from({ length: 100000 }, (_, i) => `${i}\n`).join('');
    for (const c of clients) {
      const updates = c.of('cell_update');
      const last = updates.at(-1)[0];
      expect(last.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: expected }]);
      expect(updates.length).toBeLessThan(2000);
    }
    const counts = clients.map((c) => c.of('cell_update').length);
    console.log(JSON.stringify({ lines: 100000, cell_updates_per_client: counts, ms }));
    const final = await getNotebook(d1, uuid);
    expect(final.notebook.cells[0].outputs[0].text).toBe(expected);
    for (const c of clients) c.close();
  });
});
