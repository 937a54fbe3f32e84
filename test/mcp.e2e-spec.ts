import { type TestD1, startD1 } from './support/d1';
import { connectMcp, type McpTestClient, textOf } from './support/mcp';
import { WsRecorder } from './support/ws';
import { reduce, typeOf } from './support/ws-model';

/* eslint-disable @typescript-eslint/no-explicit-any */

describe('MCP: an agent works in a live notebook', () => {
  let d1: TestD1;
  let agent: McpTestClient;

  beforeAll(async () => {
    d1 = await startD1();
    agent = await connectMcp(d1, await d1.token());
  });
  afterAll(async () => {
    await agent?.close();
    await d1?.close();
  });

  it('opens a notebook, inserts and runs a cell, and a websocket client sees every change in order', async () => {
    const opened = await agent.call('open_notebook', { path: 'agent.ipynb', create: true });
    expect(opened.isError).toBeUndefined();
    const uuid = opened.structuredContent.uuid as string;
    const got = await d1.request('GET', `/notebooks/${uuid}`);
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook?since=${got.json.version}`, {
      token: await d1.token(),
    }).ready();

    const ran = await agent.call('insert_and_run_cell', {
      notebook: uuid,
      source: 'import math; math.factorial(20)',
    });
    const id = ran.structuredContent.cell_id as string;
    expect(ran.content).toEqual([
      {
        type: 'text',
        text: `Inserted cell 0 (id ${id}).\nCell 0 (id ${id}) finished: ok, execution_count 1.\nOutput:\n2432902008176640000`,
      },
    ]);
    expect(ran.structuredContent).toEqual({
      cell_id: id,
      index: 0,
      status: 'ok',
      execution_count: 1,
      finished: true,
    });

    await ws.until((m) => m.some((x) => typeOf(x) === 'vars'), 'the variables after the run');
    const served = await d1.request('GET', `/notebooks/${uuid}`);
    expect(reduce(got.json.notebook, ws.messages)).toEqual(served.json.notebook);
    expect(textOf(await agent.call('read_notebook', { notebook: uuid }))).toContain('2432902008176640000');
    ws.close();
  });
});
