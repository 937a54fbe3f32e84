import { useD1, waitFor } from './support/d1';
import { WsRecorder } from './support/ws';

/** The value of one sample line (`name{labels} value`) in a Prometheus text, or null when absent. */
function sample(text: string, name: string, labels = ''): number | null {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? null : Number(line.slice(prefix.length));
}

describe('GET /metrics: Prometheus text for d1 and its process', () => {
  const d1 = useD1();

  const scrape = async (): Promise<string> => {
    const res = await d1.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };

  it('needs read access: 401 without a token, 200 with a read-only Bearer token', async () => {
    expect((await d1.request('GET', '/metrics', { auth: null })).status).toBe(401);
    const readOnly = await d1.token({ read_access: true, write_access: false });
    const res = await d1.request('GET', '/metrics', { auth: `Bearer ${readOnly}` });
    expect(res.status).toBe(200);
    expect(res.text).toContain('# TYPE d1_executions_total counter');
  });

  it('lists d1 metrics and the default process metrics', async () => {
    const text = await scrape();
    for (const name of [
      'd1_executions_total',
      'd1_execution_queue_depth',
      'd1_kernel_restarts_total',
      'd1_jupyter_server_restarts_total',
      'd1_websocket_clients',
      'd1_broadcast_latency_seconds',
      'd1_dav_requests_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toContain(`# HELP ${name} `);
    }
  });

  it('moves with an execution: executions, websocket clients, broadcasts, queue depth, restarts', async () => {
    const before = await scrape();
    const created = await d1.request('POST', '/notebooks/create?filename=metrics.ipynb');
    const uuid = created.json.notebook.metadata.jupyter_d1.uuid;
    const cell = await d1.request('POST', `/notebooks/${uuid}/cells`, {
      body: { source: 'import time; time.sleep(0.5); 1+1' },
    });
    const second = await d1.request('POST', `/notebooks/${uuid}/cells`, { body: { source: '2+2' } });
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
      token: await d1.token(),
    }).ready();
    for (const id of [cell.json.cell.id, second.json.cell.id]) {
      expect((await d1.request('POST', `/notebooks/${uuid}/cells/${id}/execute`)).status).toBe(200);
    }
    // The second cell waits behind the sleeping first one: the queue is one deep while it runs.
    await waitFor(async () => sample(await scrape(), 'd1_execution_queue_depth') === 1, 'queue depth 1');
    type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const idle = (id: string) => (m: Msg[]) =>
      m.some(
        (x) =>
          x.cell_update?.[0]?.id === id && x.cell_update[0].metadata.jupyter_d1.execution_state === 'idle',
      );
    await ws.until(idle(second.json.cell.id), 'the second cell idle');

    const after = await scrape();
    expect(sample(after, 'd1_executions_total')! - sample(before, 'd1_executions_total')!).toBe(2);
    expect(sample(after, 'd1_execution_queue_depth')).toBe(0);
    expect(sample(after, 'd1_websocket_clients', 'feed="notebook"')).toBe(1);
    const broadcasts = (t: string) => sample(t, 'd1_broadcast_latency_seconds_count') ?? 0;
    expect(broadcasts(after)).toBeGreaterThan(broadcasts(before));

    const restarts = sample(after, 'd1_kernel_restarts_total')!;
    expect((await d1.request('POST', `/notebooks/${uuid}/restart_kernel`)).status).toBeLessThan(300);
    await waitFor(async () => sample(await scrape(), 'd1_kernel_restarts_total')! > restarts, 'a restart');
    ws.close();
    await waitFor(
      async () => sample(await scrape(), 'd1_websocket_clients', 'feed="notebook"') === 0,
      '0 clients',
    );
    await d1.request('DELETE', `/notebooks/${uuid}`);
  });

  it('counts and times HTTP requests by method, route pattern and status', async () => {
    const counted = (t: string, labels: string) => sample(t, 'd1_http_requests_total', labels) ?? 0;
    const ok = 'method="GET",route="/notebooks/:uuid",status="404"';
    const before = await scrape();
    for (let i = 0; i < 3; i++) await d1.request('GET', `/notebooks/${crypto.randomUUID()}`);
    await d1.request('GET', '/no/such/route?token=abc', { auth: null });
    const after = await scrape();
    expect(counted(after, ok) - counted(before, ok)).toBe(3);
    expect(sample(after, 'd1_http_request_duration_seconds_count', ok)).toBe(counted(after, ok));
    const unmatched = 'method="GET",route="unmatched",status="404"';
    expect(counted(after, unmatched) - counted(before, unmatched)).toBe(1);
    expect(after).not.toContain('/no/such/route');
  });

  it('counts WebDAV requests by method', async () => {
    const count = async () => sample(await scrape(), 'd1_dav_requests_total', 'method="PROPFIND"') ?? 0;
    const before = await count();
    const basic = 'Basic ' + Buffer.from(`d1:${d1.secret}`).toString('base64');
    const res = await fetch(`${d1.baseUrl}/dav/`, {
      method: 'PROPFIND',
      headers: { authorization: basic, depth: '0' },
    });
    expect(res.status).toBe(207);
    expect(await count()).toBe(before + 1);
  });
});
