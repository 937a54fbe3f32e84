import { useD1 } from './support/d1';
import { WsRecorder } from './support/ws';
import { checkFeedSchemas } from './support/ws-schemas';

/** /notebooks/{uuid}/ws/stream: the kernel's raw messages, each with its channel and the cell it belongs to. */
describe('raw kernel stream', () => {
  checkFeedSchemas();
  const d1 = useD1();

  it("relays every message of a cell's execution with channel and cell uuid", async () => {
    const created = await d1.request('POST', '/notebooks/create?filename=stream');
    const uuid = created.json.notebook.metadata.jupyter_d1.uuid;
    const cell = (
      await d1.request('POST', `/notebooks/${uuid}/cells`, { body: { source: 'print("hi")\n6*7' } })
    ).json.cell.id;
    const token = await d1.token({ read_access: true, write_access: false });
    const raw = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/stream`, { token }).ready();
    const notebook = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, { token }).ready();

    const res = await d1.request('POST', `/notebooks/${uuid}/cells/${cell}/execute`);
    const msgId = res.json.kernel_message.message_id;
    const ofCell = () => raw.messages.filter((m) => m.parent_header?.msg_id === msgId);
    await raw.until(
      () => ofCell().some((m) => m.header.msg_type === 'status' && m.content.execution_state === 'idle'),
      'the idle status of the execution',
    );
    const seen = ofCell().map((m) => `${m.channel}:${m.header.msg_type}`);
    for (const expected of [
      'iopub:status',
      'iopub:execute_input',
      'iopub:stream',
      'iopub:execute_result',
      'shell:execute_reply',
    ]) {
      expect(seen).toContain(expected);
    }
    for (const m of ofCell()) {
      expect(m.metadata.jupyter_d1).toEqual({ cell_uuid: cell });
      expect(m.cell_uuid).toBe(cell);
    }
    expect(ofCell().find((m) => m.header.msg_type === 'execute_result')?.content.data['text/plain']).toBe(
      '42',
    );
    await notebook.until(
      (m) => m.some((x) => x.cell_update?.[0]?.metadata.jupyter_d1.execution_state === 'idle'),
      'the notebook feed to see the cell idle',
    );
    raw.close();
    notebook.close();
  });

  it('refuses a notebook that is not open', async () => {
    const token = await d1.token();
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/11111111-1111-4111-8111-111111111111/ws/stream`, {
      token,
    }).ready();
    expect(await ws.closed()).toBe(1008);
  });
});
