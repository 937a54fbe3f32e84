import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './support/d1';
import {
  expectConsistent,
  expectIds,
  oneRun,
  sessionSuite,
  outputsOf,
  plain,
  sequence,
  settled,
  untilAll,
} from './support/execution';
import { checkFeedSchemas } from './support/ws-schemas';

describe('execution: scratch, completion, history, working directory, pages and input()', () => {
  checkFeedSchemas();
  const suite = sessionSuite();
  const session = suite.session;

  it('scratch_execute sends only scratch_update messages (then vars); the notebook is unchanged', async () => {
    const s = await session(['x = 1']);
    const res = await s.call('POST', '/scratch_execute', { code: 'print("scratch")\n6 * 7' });
    expect(res.status).toBe(200);
    const id = res.json.kernel_message.message_id;
    await untilAll(s, (m) => m.some((x) => x.vars), 'vars after the scratch run');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      'scratch busy',
      'scratch stream',
      'scratch execute_result',
      'scratch idle',
      'vars',
    ]);
    const updates = msgs.filter((m) => m.scratch_update).map((m) => m.scratch_update);
    expect(updates.every((u) => u.message_id === id)).toBe(true);
    expect(updates[1].output).toEqual({ output_type: 'stream', name: 'stdout', text: 'scratch\n' });
    expect(updates[2].output).toMatchObject({ output_type: 'execute_result', data: { 'text/plain': '42' } });
    const served = await suite.d1.request('GET', `/notebooks/${s.uuid}`);
    expect(served.json.notebook).toEqual(s.initial);
  });

  it('complete over REST: complete_reply to every client', async () => {
    const s = await session([]);
    const res = await s.call('POST', '/complete', { code: 'import os\nos.pat', cursor_position: 16 });
    expect(res.status).toBe(200);
    await untilAll(s, (m) => m.some((x) => x.complete_reply), 'complete_reply');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual(['complete_reply']);
    expect(msgs[0].complete_reply).toEqual({
      matches: expect.arrayContaining(['path', 'pathsep']),
      cursor_start: 13,
      cursor_end: 16,
      message_id: res.json.kernel_message.message_id,
      command_id: null,
    });
  });

  it('complete over the websocket: the reply and any error go only to the client that asked', async () => {
    const s = await session([]);
    const [asker, other] = s.clients;
    asker.send({
      command: 'complete',
      command_id: 'c-1',
      body: { code: 'import os\nos.pat', cursor_position: 16 },
    });
    asker.send({ command: 'x', command_id: 'c-2' });
    asker.send({ command: 'complete', command_id: 'c-3', body: { cursor_position: 1 } });
    await asker.until((m) => m.length === 3, 'three answers');
    // A broadcast afterwards shows the other client got nothing before it.
    await s.call('POST', '/complete', { code: 'pri' });
    await untilAll(s, (m) => m.some((x) => x.complete_reply?.command_id === null), 'the broadcast reply');
    expect(plain(other).map((m) => Object.keys(m)[0])).toEqual(['complete_reply']);
    const answers = plain(asker).slice(0, 3);
    const byCommand = (id: string) => answers.find((m) => (m.complete_reply ?? m.error)?.command_id === id);
    expect(byCommand('c-1')!.complete_reply).toMatchObject({
      matches: expect.arrayContaining(['path']),
      cursor_start: 13,
      cursor_end: 16,
      command_id: 'c-1',
    });
    expect(byCommand('c-2')).toEqual({
      error: { message: "Command 'x' is not supported", command_id: 'c-2' },
    });
    expect(byCommand('c-3')).toEqual({
      error: {
        message: 'Error processing incoming command, invalid body',
        detail: [{ loc: ['code'], msg: 'field required', type: 'value_error.missing' }],
        command_id: 'c-3',
      },
    });
  });

  it('history: history_reply with the cells run, to every client', async () => {
    const s = await session(['a = 6 * 7', 'a']);
    await s.execute(0);
    await s.execute(1);
    await untilAll(s, settled(s), 'both cells to run');
    const before = s.clients[0].messages.length;
    const res = await s.call('POST', '/history');
    expect(res.status).toBe(200);
    await untilAll(s, (m) => m.some((x) => x.history_reply), 'history_reply');
    const msgs = (await expectConsistent(s)).slice(before);
    expect(sequence(s, msgs)).toEqual(['history_reply']);
    const { history, message_id } = msgs[0].history_reply;
    expect(message_id).toBe(res.json.kernel_message.message_id);
    expect(history.slice(-2)).toEqual([
      { line_number: 1, input: 'a = 6 * 7', output: null },
      { line_number: 2, input: 'a', output: '42' },
    ]);
  });

  it('change_working_directory: the kernel moves, metadata follows and is broadcast; bad paths refused', async () => {
    const s = await session(['import os\nprint(os.getcwd())']);
    const sub = join(suite.d1.rootDir, 'data dir');
    mkdirSync(sub);
    const res = await s.call(
      'PATCH',
      `/change_working_directory?directory=${encodeURIComponent('data dir')}`,
    );
    expect(res.status).toBe(200);
    expect(Object.keys(res.json.kernel_message)).toEqual(['message_id']);
    await untilAll(s, (m) => m.some((x) => x.metadata), 'the metadata broadcast');
    await s.execute(0);
    await untilAll(s, settled(s), 'the cell to run');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      'metadata',
      'update c0 pending',
      'request c0',
      ...oneRun('c0'),
      'vars',
    ]);
    expect(msgs[0].metadata.jupyter_d1.working_directory).toBe(sub);
    expect(await outputsOf(s, 0)).toEqual([{ output_type: 'stream', name: 'stdout', text: `${sub}\n` }]);
    const missing = await s.call('PATCH', '/change_working_directory?directory=nope');
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toBe('Directory does not exist');
    const outside = await s.call('PATCH', '/change_working_directory?directory=..');
    expect(outside.status).toBe(400);
    const absolute = await s.call('PATCH', '/change_working_directory?directory=/tmp');
    expect(absolute.status).toBe(400);
  });

  it('a page payload (`str?`) is broadcast as payload_page after the reply', async () => {
    const s = await session(['str?']);
    const id = await s.execute(0);
    await untilAll(s, settled(s), 'the cell to run');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      'update c0 pending',
      'request c0',
      'update c0 busy',
      'input c0',
      'reply c0 ok',
      'payload_page',
      'update c0 idle',
      'vars',
    ]);
    const page = msgs.find((m) => m.payload_page)!.payload_page;
    expect(page.message_id).toBe(id);
    expect(page.start).toBe(0);
    expect(page.data['text/plain']).toContain('str(object=');
    expect(await outputsOf(s, 0)).toEqual([]);
  });

  it('input(): input_request broadcast and kept for late clients; POST input answers it', async () => {
    const s = await session(['name = input("Name? ")\nprint("hi", name)']);
    const id = await s.execute(0);
    await untilAll(s, (m) => m.some((x) => x.input_request), 'input_request');
    const expected = {
      cell_id: s.cellIds[0],
      prompt: 'Name? ',
      password: false,
      message_id: expect.any(String),
    };
    expect(s.clients[0].of('input_request')).toEqual([expected]);
    const late = await s.connect();
    await late.until((m) => m.length > 0, 'the greeting');
    expect(late.messages).toEqual([{ input_request: s.clients[0].of('input_request')[0] }]);
    expect((await s.call('GET', '/input')).json).toEqual({
      input_request: s.clients[0].of('input_request')[0],
    });
    expect((await s.call('POST', '/input', { value: 'Ada' })).status).toBe(204);
    await untilAll(s, settled(s), 'the cell to finish');
    late.close();
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      'update c0 pending',
      'request c0',
      'update c0 busy',
      'input c0',
      'input_request',
      'update c0 busy +out',
      'reply c0 ok',
      'update c0 idle',
      'vars',
    ]);
    expectIds(s, msgs, [{ cell: 0, messageId: id }]);
    expect(await outputsOf(s, 0)).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'Name? Ada\nhi Ada\n' },
    ]);
    expect((await s.call('GET', '/input')).json).toEqual({ input_request: null });
    expect((await s.call('POST', '/input', { value: 'again' })).status).toBe(409);
  });

  it('input(): an interrupt cancels the pending input', async () => {
    const s = await session(['input("Never answered: ")', 'print("still usable")']);
    await s.execute(0);
    await untilAll(s, (m) => m.some((x) => x.input_request), 'input_request');
    expect((await s.call('POST', '/interrupt_kernel')).status).toBe(204);
    await untilAll(s, settled(s), 'the cell to stop');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      'update c0 pending',
      'request c0',
      'update c0 busy',
      'input c0',
      'input_request',
      'kernel_interrupted',
      'update c0 busy +out',
      'reply c0 error',
      'update c0 idle',
      'vars',
    ]);
    expect((await outputsOf(s, 0)).map((o) => o.ename)).toEqual(['KeyboardInterrupt']);
    expect((await s.call('GET', '/input')).json).toEqual({ input_request: null });
    expect((await s.call('POST', '/input', { value: 'late' })).status).toBe(409);
    const late = await s.connect();
    await s.execute(1);
    await waitFor(() => late.messages.some((m) => m.cell_execution_reply), 'the next cell to run');
    expect(late.messages.some((m) => m.input_request)).toBe(false);
    late.close();
    await untilAll(s, settled(s), 'cell 1 to settle');
    expect(await outputsOf(s, 1)).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'still usable\n' },
    ]);
  });
});
