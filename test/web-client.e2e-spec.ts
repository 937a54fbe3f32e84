import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { NotebookEvents } from '../apps/d1/src/events/notebook-events';
import { D1Client, D1Error, LiveNotebook, ServerFeed, kernelActivity } from '../libs/client/src';
import { useD1, waitFor } from './support/d1';
import { openNotebook } from './support/page';

/* eslint-disable @typescript-eslint/no-explicit-any */

const webSocket = (url: string, protocols: string[]) => new WebSocket(url, protocols);

describe('the JavaScript client library against a real d1 (Node, ws)', () => {
  const d1 = useD1();
  let client: D1Client;
  const lives: LiveNotebook[] = [];

  beforeAll(async () => {
    client = new D1Client({ baseUrl: d1.baseUrl });
    await client.login(d1.secret);
  });
  afterEach(async () => {
    for (const l of lives.splice(0)) l.close();
    await d1.request('DELETE', '/notebooks');
  });

  async function follow(uuid: string, retryMs = 20): Promise<LiveNotebook> {
    const live = new LiveNotebook({
      client,
      uuid,
      webSocket,
      backoff: { minMs: retryMs, maxMs: retryMs * 10 },
    });
    lives.push(live);
    await live.start();
    await waitFor(() => live.status === 'live', 'live');
    return live;
  }

  const sameAsServer = async (live: LiveNotebook): Promise<boolean> => {
    const served = await client.getNotebook(live.uuid);
    return (
      live.state!.version === served.version &&
      JSON.stringify(live.state!.cells) === JSON.stringify(served.notebook.cells)
    );
  };

  it('follows a notebook: its state is what d1 serves, version included', async () => {
    const nb = await client.createNotebook({ filename: 'lib-follow' });
    const uuid = (nb.metadata.jupyter_d1 as { uuid: string }).uuid;
    const live = await follow(uuid);
    const cell = await client.addCell(uuid, { source: 'print(6*7)' });
    await client.execute(uuid, cell.id);
    await waitFor(
      async () => (live.state!.cells[0] as any)?.outputs?.[0]?.text === '42\n' && (await sameAsServer(live)),
      'the run',
    );
    expect(kernelActivity(live.state!)).toBe('idle');
    await client.patchCell(uuid, cell.id, { source: 'x = 1' });
    await client.saveAs(uuid, { filename: 'lib-follow-copy' });
    await waitFor(
      async () =>
        (live.state!.metadata.jupyter_d1 as any).name === 'lib-follow-copy' && (await sameAsServer(live)),
      'save as',
    );
  });

  it('after a lost connection it resyncs with ?since: replayed messages, or one snapshot when it was away long', async () => {
    const nb = await openNotebook(d1, ['print(1)', 'print(2)']);
    const live = await follow(nb.uuid);
    const statuses: string[] = [];
    live.subscribe((l) => statuses.push(l.status));
    live.dropConnection();
    await client.executeAll(nb.uuid);
    await waitFor(
      async () =>
        (await client.getNotebook(nb.uuid)).notebook.cells.every((c: any) => c.execution_count !== null),
      'the runs',
    );
    await waitFor(() => sameAsServer(live), 'the replayed state', 20_000);
    expect([...new Set(statuses)]).toEqual(['offline', 'resyncing', 'live']);

    // Away for longer than d1 keeps messages: one snapshot brings it back.
    d1.app.get(NotebookEvents).setHistoryLimits({ maxEntries: 3 });
    try {
      const events = d1.app.get(NotebookEvents);
      events.forget(nb.uuid); // the next messages go to a history with the small bound
      // It stays away (3 s before its first retry) while more happens than the history keeps.
      const away = await follow(nb.uuid, 3000);
      const snapshots: unknown[] = [];
      away.onMessage((m) => m.notebook_snapshot && snapshots.push(m));
      away.dropConnection();
      for (let i = 0; i < 5; i++) await client.patchCell(nb.uuid, nb.cellIds[0], { source: `print(${i})` });
      await waitFor(() => sameAsServer(away), 'the snapshot state', 20_000);
      expect(snapshots.length).toBe(1);
      expect(away.state!.cells[0].source).toBe('print(4)');
    } finally {
      d1.app.get(NotebookEvents).setHistoryLimits({ maxEntries: 5000 });
    }
  });

  it('lists open notebooks live, and stops for good once a reconnect finds its notebook closed', async () => {
    const feed = new ServerFeed({ client, webSocket });
    try {
      await feed.start();
      await waitFor(() => feed.online, 'the server feed');
      const nb = await openNotebook(d1, ['x = 1']);
      await waitFor(() => feed.notebooks.some((n) => n.uuid === nb.uuid), 'the opened notebook listed');
      const live = await follow(nb.uuid);
      await client.closeNotebook(nb.uuid);
      await waitFor(() => !feed.notebooks.some((n) => n.uuid === nb.uuid), 'the closed notebook gone');
      // d1 leaves a closed notebook's sockets open; the next connection is refused.
      live.dropConnection();
      await waitFor(() => live.status === 'closed', 'closed');
      expect(live.closedBecause).toMatch(/Notebook not found with uuid/);
    } finally {
      feed.stop();
    }
  });

  it("gives d1's errors as D1Error, refuses a read-only token's writes, and lists directories over WebDAV", async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(client.getNotebook(missing)).rejects.toMatchObject({
      status: 404,
      error: 'NOTEBOOK_NOT_FOUND',
      reason: `Notebook not found with uuid: ${missing}`,
    });
    await expect(new D1Client({ baseUrl: d1.baseUrl }).login('wrong')).rejects.toMatchObject({ status: 401 });
    const readOnly = new D1Client({
      baseUrl: d1.baseUrl,
      token: await client.mintToken({ read_access: true, write_access: false }),
    });
    expect(await readOnly.permission()).toMatchObject({ read_access: true, write_access: false });
    await expect(readOnly.createNotebook({ filename: 'nope' })).rejects.toBeInstanceOf(D1Error);
    await expect(readOnly.mintToken({ read_access: true, write_access: true })).rejects.toMatchObject({
      status: 403,
    });
    mkdirSync(join(d1.rootDir, 'lib dir'), { recursive: true });
    writeFileSync(join(d1.rootDir, 'lib dir', 'a b.txt'), 'hello');
    expect(await readOnly.listDirectory('lib dir')).toEqual([
      { path: 'lib dir/a b.txt', name: 'a b.txt', isDirectory: false, size: 5, modified: expect.any(String) },
    ]);
    await expect(
      new D1Client({ baseUrl: d1.baseUrl, token: 'not-a-token' }).listDirectory(''),
    ).rejects.toMatchObject({ status: 401 });
    await expect(client.listDirectory('../etc')).rejects.toBeInstanceOf(D1Error);
  });
});
