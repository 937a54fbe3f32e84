/* eslint-disable @typescript-eslint/no-explicit-any */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { NotebookGateway } from '../apps/d1/src/websockets/notebook.gateway';
import { useD1, waitFor } from './support/d1';
import {
  FeedClient,
  closeAll,
  getNotebook,
  openMany,
  openNotebook,
  settle,
  tailVersion,
} from './support/ws-feed';
import { applyAll, fromSnapshot } from '@d1/client';

const MAX_QUEUED = 256 * 1024;

/**
 * ~60 KB frames replacing each other until `stopFile` exists (a minute at most): the flood lasts until the
 * server has dropped the client that reads nothing, however much the loopback buffers absorb for it first
 * (about 3 MB here) and however slowly a loaded machine lets the kernel print.
 */
const flood = (stopFile: string): string =>
  [
    'import os, time',
    'from IPython.display import clear_output',
    't = time.time()',
    'k = 0',
    `while not os.path.exists(${JSON.stringify(stopFile)}) and time.time() - t < 60:`,
    '    clear_output(wait=True)',
    '    print(str(k % 10) * 60000, flush=True)',
    '    k += 1',
    '    time.sleep(0.005)',
    'clear_output(wait=True)',
    "print('done')",
  ].join('\n');

const mb = (n: number): number => Math.round((n / 1024 / 1024) * 10) / 10;

/**
 * A client that stops reading, with a 4 KiB receive buffer (Python can ask for one; Node cannot): on loopback
 * the kernel would otherwise buffer tens of megabytes for a paused reader, and the server would never see it lag.
 */
class StalledClient {
  readonly lines: string[] = [];
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(url: string, token: string) {
    const u = new URL(url);
    const script = join(__dirname, 'support/fixtures/stalled_ws_client.py');
    this.child = spawn('/usr/bin/python3', [script, u.hostname, u.port, u.pathname + u.search, token]);
    createInterface({ input: this.child.stdout }).on('line', (line) => this.lines.push(line));
  }

  opened(): Promise<unknown> {
    return waitFor(() => this.lines[0] === 'open', 'the stalled client to connect');
  }

  /** Starts reading; resolves with the messages it then got and the close code it saw. */
  async drain(): Promise<{ messages: any[]; closeCode: number | null }> {
    this.child.stdin.end('read\n');
    await waitFor(
      () => /^\{"(close|eof)"/.test(this.lines.at(-1) ?? ''),
      'the stalled client to read to the end',
    );
    const parsed = this.lines.slice(1).map((l) => JSON.parse(l));
    const last = parsed.pop();
    return { messages: parsed, closeCode: last.close ?? null };
  }

  kill(): void {
    this.child.kill();
  }
}

describe('broadcast: backpressure', () => {
  const d1 = useD1({ wsMaxQueuedBytes: MAX_QUEUED });
  let token: string;
  beforeAll(async () => {
    token = await d1.token();
  });

  it('closes a client that stops reading while 50 others receive everything; it resyncs with ?since', async () => {
    const stopFile = join(d1.rootDir, 'stop-flood');
    const uuid = await openNotebook(d1, [flood(stopFile)]);
    // The notebook took the pool's kernel; the refill boots another. Let it finish first, so that a kernel boot
    // does not compete with the flood for the CPU.
    await waitFor(
      async () => (await d1.request('GET', '/kernels/pool')).json.kernel_pool.ready === 1,
      'the kernel pool to refill',
      30_000,
    );
    const start = await getNotebook(d1, uuid);
    const url = `${d1.wsUrl}/notebooks/${uuid}/ws/notebook?since=${start.version}`;
    const fast = await openMany(url, token, 50);
    const slow = new StalledClient(url, token);
    await slow.opened();
    const hub = d1.app.get(NotebookGateway).hub;
    expect(hub.count()).toBe(51);

    const peak = { queued: 0, rss: 0 };
    let slowClosedAt: number | null = null;
    const t0 = Date.now();
    const sampler = setInterval(() => {
      let queued = 0;
      for (const c of hub.clients(uuid)) queued += c.socket.bufferedAmount;
      peak.queued = Math.max(peak.queued, queued);
      peak.rss = Math.max(peak.rss, process.memoryUsage().rss);
      if (slowClosedAt === null && hub.count() === 50) slowClosedAt = Date.now() - t0;
    }, 20);
    try {
      expect((await d1.request('POST', `/notebooks/${uuid}/execute_all`)).status).toBe(200);
      await waitFor(() => slowClosedAt !== null, 'the server to drop the client that reads nothing', 60_000);
      writeFileSync(stopFile, '');
      const final = await settle(d1, uuid);
      await waitFor(() => fast.every((c) => c.lastVersion() === final.version), 'every fast client', 20_000);
      const fastDoneMs = Date.now() - t0;
      expect(slowClosedAt).not.toBeNull();

      // Every fast client got every version, in order, and the same bytes.
      const expected = Array.from({ length: final.version - start.version }, (_, i) => start.version + i + 1);
      for (const c of fast) expect(c.frames.map(tailVersion)).toEqual(expected);
      const reference = applyAll(fromSnapshot(start.notebook, start.version), fast[0].messages());
      expect(reference.cells).toEqual(final.notebook.cells);
      expect(final.notebook.cells[0].outputs).toEqual([
        { output_type: 'stream', name: 'stdout', text: 'done\n' },
      ]);
      for (const c of fast.slice(1))
        expect(c.frames.at(-1)?.equals(fast[0].frames.at(-1) as Buffer)).toBe(true);

      // The slow one: once it reads again it sees the close, and a reconnect with ?since catches it up.
      const { messages: before, closeCode } = await slow.drain();
      const seen = before.at(-1)?.version ?? start.version;
      const again = new FeedClient(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook?since=${seen}`, token);
      await again.opened();
      await waitFor(() => again.lastVersion() === final.version, 'the resynced client');
      const resynced = applyAll(fromSnapshot(start.notebook, start.version), [
        ...before,
        ...again.messages(),
      ]);
      expect(resynced.cells).toEqual(final.notebook.cells);

      const perClient = fast[0].frames.reduce((n, f) => n + f.length, 0);
      console.log(
        JSON.stringify({
          max_queued_bytes_setting: MAX_QUEUED,
          slow_client_closed_after_ms: slowClosedAt,
          slow_client_close_code_seen: closeCode,
          slow_client_messages_before_close: before.length,
          slow_client_mb_before_close: mb(
            before.reduce((n: number, m: any) => n + JSON.stringify(m).length, 0),
          ),
          fast_clients_done_after_ms: fastDoneMs,
          messages_per_fast_client: fast[0].frames.length,
          mb_per_fast_client: mb(perClient),
          peak_server_queued_mb_all_clients: mb(peak.queued),
          peak_rss_mb_test_process_with_server: mb(peak.rss),
        }),
      );
      again.socket.close();
    } finally {
      clearInterval(sampler);
      slow.kill();
      await closeAll(fast);
    }
  });
});
