/* eslint-disable @typescript-eslint/no-explicit-any */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatchService } from '../apps/d1/src/files/watch.service';
import { StatsService } from '../apps/d1/src/server/stats.service';
import { useD1, waitFor } from './support/d1';
import { WsRecorder } from './support/ws';
import { checkFeedSchemas } from './support/ws-schemas';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('/server/ws feeds', () => {
  checkFeedSchemas();
  const d1 = useD1();
  let feed: WsRecorder;
  beforeAll(async () => {
    await d1.app.get(WatchService).ready;
    feed = await new WsRecorder(`${d1.wsUrl}/server/ws`, { token: await d1.token() }).ready();
  });
  d1.beforeClose(async () => {
    feed?.close();
  });

  const watchEvents = (): any[] => feed.of('watchdog_event');
  /** Runs `act`, waits for the file events to settle, and returns those it caused. */
  const eventsOf = async (act: () => void | Promise<void>, settleMs = 350): Promise<string[]> => {
    await sleep(50);
    const from = watchEvents().length;
    await act();
    await sleep(settleMs);
    return watchEvents()
      .slice(from)
      .map(
        (e) =>
          `${e.event_type} ${e.src_path.replace(d1.rootDir, '~')} ${(e.dest_path ?? 'null').replace(d1.rootDir, '~')}`,
      );
  };

  it('lists open notebooks on every open and close', async () => {
    const created = await d1.request('POST', '/notebooks/create?filename=listed.ipynb');
    const uuid = created.json.notebook.metadata.jupyter_d1.uuid;
    await feed.until((m) => m.some((x) => x.notebooks?.some((n: any) => n.uuid === uuid)), 'the open');
    const name = created.json.notebook.metadata.jupyter_d1.name;
    expect(name).toBe('listed');
    expect(feed.of('notebooks').at(-1)).toEqual([{ uuid, name }]);
    expect((await d1.request('DELETE', `/notebooks/${uuid}`)).status).toBe(204);
    await feed.until((m) => m.filter((x) => x.notebooks).length >= 2, 'the close');
    expect(feed.of('notebooks').at(-1)).toEqual([]);
  });

  it('broadcasts server_stats on an interval and serves them over REST, newest first', async () => {
    const stats = d1.app.get(StatsService);
    stats.setInterval(100);
    try {
      await feed.until((m) => m.filter((x) => x.server_stats).length >= 3, 'three server_stats', 5000);
    } finally {
      stats.setInterval(5000);
    }
    const s = feed.of('server_stats').at(-1);
    expect(Object.keys(s).sort()).toEqual(['cpu', 'disk', 'gpu', 'memory', 'timestamp']);
    expect(Number.isNaN(Date.parse(s.timestamp))).toBe(false);
    expect(s.disk.total).toBeGreaterThan(s.disk.free);
    expect(s.disk.percent).toBeGreaterThanOrEqual(0);
    expect(s.disk.percent).toBeLessThanOrEqual(100);
    expect(s.memory.total).toBeGreaterThanOrEqual(s.memory.available);
    expect(typeof s.cpu.percent).toBe('number');
    expect(typeof s.cpu.load_percent).toBe('number');
    expect(s.gpu).toEqual([]);

    const readOnly = `Bearer ${await d1.token({ read_access: true, write_access: false })}`;
    // Restoring the interval samples at once, so a sample may land between two reads: compare a page with the
    // whole list read before and after it, and read again when they differ.
    const { all, page, latest } = await waitFor(async () => {
      const list = async () =>
        (await d1.request('GET', '/server/stats', { auth: readOnly })).json.server_stats;
      const before = await list();
      const paged = await d1.request('GET', '/server/stats?limit=2&skip=1', { auth: readOnly });
      const latest = await d1.request('GET', '/server/latest_stats', { auth: readOnly });
      const after = await list();
      return JSON.stringify(before) === JSON.stringify(after) && { all: before, page: paged, latest };
    }, 'two reads of /server/stats with no sample between them');
    expect(all.length).toBeGreaterThanOrEqual(3);
    const stamps = all.map((x: any) => Date.parse(x.timestamp));
    expect([...stamps].sort((a, b) => b - a)).toEqual(stamps);
    expect(page.json.server_stats).toEqual(all.slice(1, 3));
    expect(latest.json.server_stats).toEqual(all[0]);
    expect((await d1.request('GET', '/server/stats?limit=-1')).status).toBe(422);
    expect((await d1.request('GET', '/server/stats?limit=x')).status).toBe(422);
    expect((await d1.request('GET', '/server/latest_stats', { auth: null })).status).toBe(401);
  });

  it('reports created, modified, moved and deleted files under the root, with absolute paths', async () => {
    const f = join(d1.rootDir, 'a.txt');
    expect(await eventsOf(() => writeFileSync(f, 'one'))).toEqual(['created ~/a.txt null']);
    expect(await eventsOf(() => writeFileSync(f, 'two'))).toEqual(['modified ~/a.txt null']);
    expect(await eventsOf(() => renameSync(f, join(d1.rootDir, 'b.txt')))).toEqual(['moved ~/a.txt ~/b.txt']);
    expect(await eventsOf(() => rmSync(join(d1.rootDir, 'b.txt')))).toEqual(['deleted ~/b.txt null']);
    expect(watchEvents().at(-1).src_path).toBe(join(d1.rootDir, 'b.txt'));
  });

  it('watches recursively, including directories created and moved while running', async () => {
    expect(
      await eventsOf(() => {
        mkdirSync(join(d1.rootDir, 'd/e'), { recursive: true });
        writeFileSync(join(d1.rootDir, 'd/e/x.py'), 'x');
      }),
    ).toEqual(['created ~/d null', 'created ~/d/e null', 'created ~/d/e/x.py null']);
    expect(await eventsOf(() => writeFileSync(join(d1.rootDir, 'd/e/x.py'), 'xx'))).toEqual([
      'modified ~/d/e/x.py null',
    ]);
    expect(await eventsOf(() => renameSync(join(d1.rootDir, 'd'), join(d1.rootDir, 'm')))).toEqual([
      'moved ~/d ~/m',
    ]);
    expect(await eventsOf(() => writeFileSync(join(d1.rootDir, 'm/e/y.py'), 'y'))).toEqual([
      'created ~/m/e/y.py null',
    ]);
    expect(await eventsOf(() => rmSync(join(d1.rootDir, 'm'), { recursive: true }))).toContain(
      'deleted ~/m null',
    );
  });

  it('moves across the root boundary are a creation or a deletion', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'd1-outside-'));
    try {
      writeFileSync(join(outside, 'in.txt'), 'in');
      expect(await eventsOf(() => renameSync(join(outside, 'in.txt'), join(d1.rootDir, 'in.txt')))).toEqual([
        'created ~/in.txt null',
      ]);
      expect(await eventsOf(() => renameSync(join(d1.rootDir, 'in.txt'), join(outside, 'out.txt')))).toEqual([
        'deleted ~/in.txt null',
      ]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('ignores .DS_Store, AppleDouble files and d1 temp files; an autosave is one modification', async () => {
    expect(
      await eventsOf(() => {
        writeFileSync(join(d1.rootDir, '.DS_Store'), 'x');
        writeFileSync(join(d1.rootDir, '._a.txt'), 'x');
        writeFileSync(join(d1.rootDir, '.nb.ipynb.0a1b2c3d4e5f.d1-tmp'), 'x');
        rmSync(join(d1.rootDir, '.nb.ipynb.0a1b2c3d4e5f.d1-tmp'));
      }),
    ).toEqual([]);

    const created = await d1.request('POST', '/notebooks/create?filename=saved.ipynb');
    const uuid = created.json.notebook.metadata.jupyter_d1.uuid;
    await waitFor(
      () => watchEvents().some((e) => e.src_path.endsWith('saved.ipynb')),
      'the new notebook file',
    );
    const events = await eventsOf(async () => {
      const res = await d1.request('POST', `/notebooks/${uuid}/cells`, { body: { source: 'print(1)' } });
      expect(res.status).toBe(201);
    }, 1200);
    expect(events).toEqual(['modified ~/saved.ipynb null']);
    await d1.request('DELETE', `/notebooks/${uuid}`);
  });
});
