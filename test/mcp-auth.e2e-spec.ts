import http from 'node:http';
import { useD1, type TestD1, waitFor } from './support/d1';
import { connectMcp, type McpTestClient, rawMcp, textOf, toolErrorBody } from './support/mcp';
import { makeNotebook, uploadAndOpen } from './support/notebooks';

/* eslint-disable @typescript-eslint/no-explicit-any */

const READ_TOOLS = [
  'kernel_status',
  'list_files',
  'list_notebooks',
  'list_variables',
  'read_notebook',
  'wait_for_cell',
];
const WRITE_TOOLS = [
  'delete_cell',
  'edit_cell',
  'insert_and_run_cell',
  'insert_cell',
  'inspect_variable',
  'interrupt_kernel',
  'move_cell',
  'open_notebook',
  'restart_kernel',
  'run_all_cells',
  'run_cell',
  'run_scratch',
  'send_input',
];

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

describe('MCP: who may do what, and what hostile clients get', () => {
  const d1 = useD1();
  let uuid: string;
  let rw: McpTestClient;

  beforeAll(async () => {
    const nb = await uploadAndOpen(d1, 'filename=shared.ipynb', makeNotebook(['x = 1']));
    uuid = nb.metadata.jupyter_d1.uuid;
    rw = await connectMcp(d1, await d1.token());
  });
  d1.beforeClose(async () => {
    await rw?.close();
  });

  /** Plausible arguments for every writing tool, so a refusal cannot be blamed on the arguments. */
  function argsFor(name: string): Record<string, unknown> {
    const table: Record<string, Record<string, unknown>> = {
      open_notebook: { path: 'other.ipynb', create: true },
      insert_cell: { notebook: uuid, source: 'y = 2' },
      insert_and_run_cell: { notebook: uuid, source: 'y = 2' },
      edit_cell: { notebook: uuid, cell: 0, source: 'y = 2' },
      delete_cell: { notebook: uuid, cell: 0 },
      move_cell: { notebook: uuid, cell: 0, index: 0 },
      run_cell: { notebook: uuid, cell: 0 },
      run_all_cells: { notebook: uuid },
      interrupt_kernel: { notebook: uuid },
      restart_kernel: { notebook: uuid },
      send_input: { notebook: uuid, value: 'x' },
      run_scratch: { notebook: uuid, code: 'open("/tmp/pwned", "w")' },
      inspect_variable: { notebook: uuid, name: 'x' },
    };
    return table[name];
  }

  it('refuses no token, a bad token, an expired token and a token without permissions before any MCP', async () => {
    const body = JSON.stringify(INITIALIZE);
    const unauthorized = {
      error: 'UNAUTHORIZED',
      reason: 'Could not validate credentials',
      detail: 'Could not validate credentials',
    };
    for (const method of ['POST', 'GET', 'DELETE']) {
      const res = await rawMcp(d1, { method, token: null, body: method === 'POST' ? body : undefined });
      expect([method, res.status, res.headers.get('www-authenticate'), res.json]).toEqual([
        method,
        401,
        'Bearer',
        unauthorized,
      ]);
    }
    expect((await rawMcp(d1, { token: 'not-a-jwt', body })).status).toBe(401);

    const shortLived = await d1.token({ read_access: true, write_access: true, expires_in: 1 });
    await waitFor(
      async () =>
        (await d1.request('POST', '/login/test-token', { auth: `Bearer ${shortLived}` })).status === 401,
      'the token to expire',
    );
    const expired = await rawMcp(d1, { token: shortLived, body });
    expect([expired.status, expired.json]).toEqual([401, unauthorized]);
    await expect(connectMcp(d1, shortLived)).rejects.toMatchObject({
      code: 401,
      message: expect.stringContaining('"error":"UNAUTHORIZED"'),
    });

    const nothing = await d1.token({ read_access: false, write_access: false });
    const refused = await rawMcp(d1, { token: nothing, body });
    expect([refused.status, refused.json]).toEqual([
      403,
      { error: 'FORBIDDEN', reason: 'Inadequate permissions', detail: 'Inadequate permissions' },
    ]);
  });

  it('gives a read-only token only the reading tools; writing tools are refused and change nothing', async () => {
    const ro = await connectMcp(d1, await d1.token({ read_access: true, write_access: false }));
    try {
      const listed = (await ro.client.listTools()).tools;
      expect(listed.map((t) => t.name).sort()).toEqual(READ_TOOLS);
      for (const t of listed) expect(t.annotations?.readOnlyHint).toBe(true);

      const before = await d1.request('GET', `/notebooks/${uuid}`);
      for (const name of WRITE_TOOLS) {
        const reason = `${name} changes the notebook or runs code, which needs a token with write access`;
        expect([name, toolErrorBody(await ro.call(name, argsFor(name)))]).toEqual([
          name,
          { error: 'FORBIDDEN', reason, detail: reason },
        ]);
      }
      const after = await d1.request('GET', `/notebooks/${uuid}`);
      expect(after.json).toEqual(before.json);
      expect((await d1.request('GET', '/notebooks')).json.notebooks).toHaveLength(1);

      // What it may do works.
      expect(textOf(await ro.call('read_notebook', { notebook: uuid }))).toContain('```python\nx = 1\n```');
      expect((await ro.call('list_notebooks')).structuredContent.notebooks.map((n: any) => n.uuid)).toEqual([
        uuid,
      ]);
      expect((await ro.client.listResources()).resources.map((r) => r.uri)).toEqual([
        `d1://notebooks/${uuid}`,
      ]);
    } finally {
      await ro.close();
    }
  });

  it('gives a read-write token every tool, each described for a model with a strict argument schema', async () => {
    const listed = (await rw.client.listTools()).tools;
    expect(listed.map((t) => t.name).sort()).toEqual([...READ_TOOLS, ...WRITE_TOOLS].sort());
    for (const t of listed) {
      expect(t.description!.length).toBeGreaterThan(80);
      expect(t.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(t.annotations?.readOnlyHint).toBe(READ_TOOLS.includes(t.name));
    }
  });

  it('keeps a session to the permission that opened it', async () => {
    const sessionId = (rw.client.transport as any).sessionId as string;
    expect(sessionId).toMatch(/^[-0-9a-f]{36}$/);
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'run_scratch', arguments: { notebook: uuid, code: '1' } },
    });
    const ro = await d1.token({ read_access: true, write_access: false });
    const hijack = await rawMcp(d1, { token: ro, body: call, headers: { 'mcp-session-id': sessionId } });
    expect(hijack.status).toBe(403);
    expect(hijack.json.error).toBe('FORBIDDEN');
    const unknown = await rawMcp(d1, { body: call, headers: { 'mcp-session-id': 'f'.repeat(36) } });
    expect([unknown.status, unknown.json]).toEqual([
      404,
      { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null },
    ]);
  });

  it('answers bad arguments with a tool error naming each argument', async () => {
    const bad = toolErrorBody(
      await rw.call('run_cell', { notebook: uuid, cell: -1, timeout_seconds: 'soon', colour: 'red' }),
    );
    expect(bad.error).toBe('VALIDATION_ERROR');
    expect(bad.detail.map((d: any) => d.loc)).toEqual([
      ['arguments', 'cell'],
      ['arguments', 'timeout_seconds'],
      ['arguments', 'colour'],
    ]);
    expect(bad.reason).toMatch(/^cell: .+; timeout_seconds: .+; colour: is not a known argument$/);
    expect(toolErrorBody(await rw.call('read_notebook', {}))).toEqual({
      error: 'VALIDATION_ERROR',
      reason: 'notebook: is required',
      detail: [{ loc: ['arguments', 'notebook'], msg: 'is required', type: 'missing' }],
    });
    expect(toolErrorBody(await rw.call('run_cell', { notebook: uuid, cell: 'x'.repeat(5) }))).toEqual({
      error: 'CELL_NOT_FOUND',
      reason: 'Cell not found with uuid: xxxxx',
      detail: null,
    });
    expect(toolErrorBody(await rw.call('edit_cell', { notebook: uuid, cell: 9, source: '' }))).toEqual({
      error: 'CELL_NOT_FOUND',
      reason: 'No cell at index 9; cell indices are 0-0',
      detail: null,
    });
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(toolErrorBody(await rw.call('read_notebook', { notebook: missing }))).toEqual({
      error: 'NOTEBOOK_NOT_FOUND',
      reason: `Notebook not found with uuid: ${missing}`,
      detail: null,
    });
    expect(toolErrorBody(await rw.call('no_such_tool', {})).error).toBe('NOT_FOUND');
    const md = await rw.call('insert_cell', { notebook: uuid, source: '# title', cell_type: 'markdown' });
    expect(
      toolErrorBody(await rw.call('run_cell', { notebook: uuid, cell: md.structuredContent.cell_id })).error,
    ).toBe('BAD_REQUEST');
    await rw.call('delete_cell', { notebook: uuid, cell: md.structuredContent.cell_id });
    // A huge argument is refused by validation, not by the server falling over.
    const huge = toolErrorBody(
      await rw.call('read_notebook', { notebook: Array.from({ length: 100_000 }, () => 1) }),
    );
    expect(huge.detail.map((d: any) => d.loc)).toEqual([['arguments', 'notebook']]);
  });

  it('answers hostile bodies with a clear 4xx and keeps serving', async () => {
    const statuses: number[] = [];
    const expectStatus = async (res: Promise<{ status: number; json: any }>, status: number) => {
      const r = await res;
      statuses.push(r.status);
      expect(r.status).toBe(status);
      return r.json;
    };
    const big = JSON.stringify({ ...INITIALIZE, pad: 'x'.repeat(5 * 1024 * 1024) });
    expect(await expectStatus(rawMcp(d1, { body: big }), 413)).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
    expect(await expectStatus(chunked(d1, await d1.token(), 6 * 1024 * 1024), 413)).toMatchObject({
      error: { code: -32000 },
    });
    expect(
      await expectStatus(rawMcp(d1, { body: '{"jsonrpc": "2.0", "id": 1, "method":' }), 400),
    ).toMatchObject({
      error: { code: -32700 },
    });
    expect(await expectStatus(rawMcp(d1, { body: '{"hello": "world"}' }), 400)).toMatchObject({
      error: { code: -32700 },
    });
    await expectStatus(rawMcp(d1, { body: '['.repeat(200_000) + ']'.repeat(200_000) }), 400);
    await expectStatus(
      rawMcp(d1, { body: JSON.stringify(Array.from({ length: 5000 }, () => INITIALIZE)) }),
      400,
    );
    await expectStatus(
      rawMcp(d1, { body: JSON.stringify(INITIALIZE), headers: { 'content-type': 'text/plain' } }),
      415,
    );
    await expectStatus(
      rawMcp(d1, { body: JSON.stringify(INITIALIZE), headers: { accept: 'text/html' } }),
      406,
    );
    await expectStatus(rawMcp(d1, { method: 'GET', headers: { accept: 'text/event-stream' } }), 400);
    await expectStatus(rawMcp(d1, { method: 'DELETE', headers: { 'mcp-session-id': 'nope' } }), 404);
    await expectStatus(rawMcp(d1, { method: 'PUT', body: '{}' }), 405);
    expect(statuses.every((s) => s >= 400 && s < 500)).toBe(true);

    // The server is alive and a new client works.
    const after = await connectMcp(d1, await d1.token());
    expect((await after.client.listTools()).tools.length).toBe(READ_TOOLS.length + WRITE_TOOLS.length);
    await after.close();
  });

  it('closes the notification stream of a session when the token that opened it expires', async () => {
    const token = await d1.token({ read_access: true, write_access: false, expires_in: 3 });
    const init = await fetch(`${d1.baseUrl}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify(INITIALIZE),
    });
    expect(init.status).toBe(200);
    await init.text();
    const sessionId = init.headers.get('mcp-session-id')!;
    const stream = await fetch(`${d1.baseUrl}/mcp`, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let ended = false;
    void (async () => {
      while (!(await reader.read()).done);
      ended = true;
    })().catch(() => (ended = true));
    await waitFor(() => ended, 'the stream to end once the token expired', 20_000);
    const again = await rawMcp(d1, { token, body: '{}', headers: { 'mcp-session-id': sessionId } });
    expect(again.status).toBe(401);
  });
});

/** POSTs `size` bytes with chunked encoding (no Content-Length to refuse it by). */
function chunked(d1: TestD1, token: string, size: number): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(`${d1.baseUrl}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      },
    });
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    // The server may answer (and close) before the whole body is sent: only an error without an answer counts.
    req.on('error', (err) => !answered && reject(err));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    req.write('{"pad":"');
    const write = (left: number): void => {
      if (left <= 0) return void req.end('"}');
      if (req.write(chunk)) write(left - chunk.length);
      else req.once('drain', () => write(left - chunk.length));
    };
    write(size);
  });
}
