import { useD1, waitFor } from './support/d1';
import { WsRecorder } from './support/ws';

describe('execution smoke', () => {
  const d1 = useD1();

  it('runs a cell and broadcasts its life', async () => {
    const created = await d1.request('POST', '/notebooks/create?filename=a.ipynb');
    expect(created.status).toBe(201);
    const uuid = created.json.notebook.metadata.jupyter_d1.uuid;
    const cell = await d1.request('POST', `/notebooks/${uuid}/cells`, {
      body: { source: 'print("hi")\n1+1' },
    });
    const cellId = cell.json.cell.id;
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
      token: await d1.token(),
    }).ready();
    const t0 = Date.now();
    const res = await d1.request('POST', `/notebooks/${uuid}/cells/${cellId}/execute`);
    expect(res.status).toBe(200);
    await ws.until(
      (m) => m.some((x) => x.cell_update?.[0]?.metadata.jupyter_d1.execution_state === 'idle'),
      'idle',
    );
    console.log('first run ms', Date.now() - t0, ws.types());
    const final = await d1.request('GET', `/notebooks/${uuid}/cells/${cellId}`);
    expect(final.json.cell.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'hi\n' },
      { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '2' }, metadata: {} },
    ]);
    await waitFor(() => ws.of('vars').length > 0, 'vars');
    console.log(JSON.stringify(ws.of('vars')[0]));
  });
});
