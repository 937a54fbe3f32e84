import { rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import WebSocket from 'ws';
import { useD1, waitFor } from './support/d1';
import { alive, ECHO_SERVER, writeProxyConfig } from './support/proxy-config';

/* eslint-disable @typescript-eslint/no-explicit-any */

const echo = (extra: Record<string, unknown> = {}) => ({
  command: [process.execPath, ECHO_SERVER, '{port}'],
  ...extra,
});

describe('proxied servers', () => {
  let dir: string;
  let readOnly: string;

  const d1 = useD1(() => {
    const cfg = writeProxyConfig((www) => ({
      files: {
        command: [
          '/usr/bin/python3',
          '-m',
          'http.server',
          '{port}',
          '--bind',
          '127.0.0.1',
          '--directory',
          www,
        ],
        launcher_entry: { title: 'Files', enabled: true },
      },
      echo: echo(),
      echoabs: echo({ absolute_url: true }),
      broken: { command: [process.execPath, '-e', 'console.log("about to fail"); process.exit(3)'] },
      slow: {
        command: [process.execPath, '-e', 'console.log("never listens"); setInterval(() => {}, 1000)'],
        timeout: 0.5,
      },
    }));
    dir = cfg.dir;
    writeFileSync(join(cfg.www, 'hello.txt'), 'hello through the proxy\n');
    return { proxyConfig: cfg.file };
  });
  beforeAll(async () => {
    readOnly = await d1.token({ read_access: true, write_access: false });
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  const proc = async (name: string) =>
    (await d1.request('GET', '/server/processes')).json.processes.find((p: any) => p.name === name);

  it('lists every server, not started, beside the embedded Jupyter Server', async () => {
    const res = await d1.request('GET', '/server/processes', { auth: `Bearer ${readOnly}` });
    expect(res.status).toBe(200);
    expect(res.json.processes.map((p: any) => p.name)).toEqual([
      'jupyter',
      'files',
      'echo',
      'echoabs',
      'broken',
      'slow',
    ]);
    expect(res.json.processes[0]).toMatchObject({ name: 'jupyter', state: 'running', restarts: 0 });
    expect(res.json.processes[1]).toMatchObject({
      name: 'files',
      state: 'stopped',
      pid: null,
      restarts: 0,
      url: '/proxy/files/',
      absolute_url: false,
      launcher_entry: { enabled: true, title: 'Files', icon_path: null },
    });
  });

  it('refuses requests without a token, and writes from read-only tokens', async () => {
    const none = await d1.request('GET', '/proxy/echo/', { auth: null });
    expect(none.status).toBe(401);
    expect(none.json).toEqual({
      error: 'UNAUTHORIZED',
      reason: 'Could not validate credentials',
      detail: expect.anything(),
    });
    expect((await d1.request('GET', '/proxy/echo/', { auth: 'Bearer nope' })).status).toBe(401);
    const post = await d1.request('POST', '/proxy/echo/x', { auth: `Bearer ${readOnly}`, raw: 'data' });
    expect(post.status).toBe(403);
    expect(post.json.error).toBe('FORBIDDEN');
    expect((await proc('echo')).state).toBe('stopped');
  });

  it('answers 404 JSON for an unknown server', async () => {
    const res = await d1.request('GET', '/proxy/nosuch/');
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: 'NOT_FOUND', reason: 'No proxied server named "nosuch"' });
  });

  it('starts a server on the first request, once for concurrent requests', async () => {
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        d1.request('GET', '/proxy/files/hello.txt', { auth: `Bearer ${readOnly}` }),
      ),
    );
    const ms = Date.now() - t0;
    expect(results.map((r) => [r.status, r.text])).toEqual(Array(5).fill([200, 'hello through the proxy\n']));
    const info = await proc('files');
    expect(info).toMatchObject({ state: 'running', restarts: 0 });
    expect(info.pid).toBeGreaterThan(0);
    expect(info.port).toBeGreaterThan(0);
    expect(alive(info.pid)).toBe(true);
    process.stdout.write(`proxy first-request start (python http.server): ${ms} ms\n`);
  });

  it('strips the prefix, d1 credentials and hop-by-hop headers; adds X-Forwarded-*', async () => {
    const token = await d1.token();
    const res = await d1.request('GET', `/proxy/echo/some/path?x=1&token=${token}&y=2`, {
      headers: { cookie: 'session=secret', 'x-custom': 'kept' },
    });
    expect(res.status).toBe(200);
    const seen = res.json;
    expect(seen.url).toBe('/some/path?x=1&y=2');
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.cookie).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain(token);
    expect(seen.headers).toMatchObject({
      'x-custom': 'kept',
      'x-forwarded-prefix': '/proxy/echo',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': d1.baseUrl.replace('http://', ''),
      'x-forwarded-for': '127.0.0.1',
    });
    // The upstream's own hop-by-hop header (named in its Connection header) stays behind.
    expect(res.headers.get('x-private')).toBeNull();
  });

  it('passes the full path with absolute_url', async () => {
    const res = await d1.request('GET', '/proxy/echoabs/some/path?x=1');
    expect(res.json.url).toBe('/proxy/echoabs/some/path?x=1');
    expect(res.json.headers['x-forwarded-prefix']).toBeUndefined();
  });

  it('rewrites Location only when the prefix was stripped', async () => {
    const auth = { authorization: `Bearer ${await d1.token()}` };
    const stripped = await fetch(`${d1.baseUrl}/proxy/echo/redirect`, { headers: auth, redirect: 'manual' });
    expect(stripped.status).toBe(302);
    expect(stripped.headers.get('location')).toBe('/proxy/echo/target');
    expect(stripped.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const absolute = await fetch(`${d1.baseUrl}/proxy/echoabs/redirect`, {
      headers: auth,
      redirect: 'manual',
    });
    expect(absolute.headers.get('location')).toBe('/target');
    const bare = await fetch(`${d1.baseUrl}/proxy/echo?a=b`, { headers: auth, redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([301, '/proxy/echo/?a=b']);
  });

  it('streams request and response bodies of any method', async () => {
    const body = randomBytes(3 * 1024 * 1024);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await d1.request(method, '/proxy/echo/upload', {
        raw: body,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(res.json).toMatchObject({
        method,
        bodyLength: body.length,
        bodySha256: createHash('sha256').update(body).digest('hex'),
      });
    }
    const json = await d1.request('POST', '/proxy/echo/json', { body: { a: 1 } });
    expect(json.json.bodyLength).toBe(7);
    const big = await fetch(`${d1.baseUrl}/proxy/echo/download?bytes=5000000`, {
      headers: { authorization: `Bearer ${await d1.token()}` },
    });
    expect((await big.arrayBuffer()).byteLength).toBe(5_000_000);
    const head = await d1.request('HEAD', '/proxy/echo/x', { auth: `Bearer ${readOnly}` });
    expect(head.status).toBe(200);
  });

  it('restarts a server killed with -9, and the next request reaches the new one', async () => {
    await d1.request('GET', '/proxy/echo/');
    const before = await proc('echo');
    process.kill(before.pid, 'SIGKILL');
    const res = await d1.request('GET', '/proxy/echo/after-kill');
    expect(res.status).toBe(200);
    const after = await proc('echo');
    expect(after.restarts).toBeGreaterThanOrEqual(1);
    expect(after.pid).not.toBe(before.pid);
    expect(after.port).toBe(before.port);
    expect(after.last_exit).toMatchObject({ code: null, signal: 'SIGKILL' });
  });

  it('stops and restarts through the processes API', async () => {
    await d1.request('GET', '/proxy/echo/');
    const { pid } = await proc('echo');
    expect(
      (await d1.request('POST', '/server/processes/echo/stop', { auth: `Bearer ${readOnly}` })).status,
    ).toBe(403);
    expect((await d1.request('POST', '/server/processes/echo/stop')).status).toBe(204);
    expect(await proc('echo')).toMatchObject({ state: 'stopped', pid: null });
    await waitFor(() => !alive(pid), 'the stopped server to be gone');
    const restarts = (await proc('echo')).restarts;
    expect((await d1.request('POST', '/server/processes/echo/restart')).status).toBe(204);
    const restarted = await proc('echo');
    expect(restarted).toMatchObject({ state: 'running', restarts: restarts + 1 });
    expect((await d1.request('GET', '/proxy/echo/')).status).toBe(200);
    expect((await d1.request('POST', '/server/processes/nosuch/restart')).status).toBe(404);
    expect((await d1.request('POST', '/server/processes/jupyter/stop')).status).toBe(409);
  });

  it('serves recent output at the logs API', async () => {
    await d1.request('GET', '/proxy/echo/logged-path');
    const res = await d1.request('GET', '/server/processes/echo/logs?lines=500', {
      auth: `Bearer ${readOnly}`,
    });
    expect(res.status).toBe(200);
    expect(res.json.name).toBe('echo');
    expect(res.json.lines).toEqual(
      expect.arrayContaining([expect.stringMatching(/^echo listening on \d+$/), 'GET /logged-path']),
    );
    const two = await d1.request('GET', '/server/processes/echo/logs?lines=2');
    expect(two.json.lines).toHaveLength(2);
    expect((await d1.request('GET', '/server/processes/echo/logs?lines=x')).status).toBe(422);
    expect((await d1.request('GET', '/server/processes/nosuch/logs')).status).toBe(404);
  });

  it('answers 502 with the output when a server cannot start, 504 when it is not ready in time', async () => {
    const broken = await d1.request('GET', '/proxy/broken/');
    expect(broken.status).toBe(502);
    expect(broken.json.error).toBe('PROXY_START_FAILED');
    expect(broken.json.reason).toMatch(/^broken could not be started: broken exited with code 3/);
    expect(broken.json.detail).toContain('about to fail');
    const slow = await d1.request('GET', '/proxy/slow/');
    expect(slow.status).toBe(504);
    expect(slow.json.error).toBe('PROXY_START_TIMEOUT');
    expect(slow.json.detail).toContain('never listens');
    expect((await proc('slow')).state).toBe('failed');
  });

  it("reaches the embedded Jupyter Server's REST API with d1's token, for write tokens only", async () => {
    const res = await d1.request('GET', '/proxy/jupyter/api/status');
    expect(res.status).toBe(200);
    expect(res.json).toHaveProperty('started');
    // An administrative surface that starts kernels: reading it needs write access too.
    const ro = await d1.request('GET', '/proxy/jupyter/api/status', { auth: `Bearer ${readOnly}` });
    expect(ro.status).toBe(403);
    expect((await d1.request('GET', '/proxy/jupyter/api/status', { auth: null })).status).toBe(401);
  });

  it("proxies the embedded Jupyter Server's kernel websockets", async () => {
    const kernel = await d1.request('POST', '/proxy/jupyter/api/kernels', { body: { name: 'python3' } });
    expect(kernel.status).toBe(201);
    const ws = new WebSocket(
      `${d1.wsUrl}/proxy/jupyter/api/kernels/${kernel.json.id}/channels?token=${await d1.token()}`,
    );
    const msgTypes: string[] = [];
    ws.on('message', (data) => msgTypes.push(JSON.parse(data.toString()).header.msg_type));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const header = {
      msg_id: 'm1',
      msg_type: 'kernel_info_request',
      session: 's1',
      username: 'u',
      version: '5.3',
    };
    ws.send(
      JSON.stringify({ header, parent_header: {}, metadata: {}, content: {}, channel: 'shell', buffers: [] }),
    );
    await waitFor(() => msgTypes.includes('kernel_info_reply'), 'kernel_info_reply through the proxy');
    ws.close();
    expect((await d1.request('DELETE', `/proxy/jupyter/api/kernels/${kernel.json.id}`)).status).toBe(204);
  });
});

describe('proxied websockets', () => {
  let dir: string;
  const d1 = useD1(() => {
    const cfg = writeProxyConfig(() => ({ echo: echo() }));
    dir = cfg.dir;
    return { proxyConfig: cfg.file };
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a websocket; resolves with it and its first message, or with the HTTP status it was refused with. */
  function connect(path: string, opts: { protocols?: string[]; headers?: Record<string, string> } = {}) {
    const ws = new WebSocket(`${d1.wsUrl}${path}`, opts.protocols ?? [], { headers: opts.headers });
    const messages: Array<{ data: string | Buffer; binary: boolean }> = [];
    ws.on('message', (data, binary) =>
      messages.push({ data: binary ? (data as Buffer) : data.toString(), binary }),
    );
    return new Promise<{ ws: WebSocket; status: number | null; messages: typeof messages }>((resolve) => {
      ws.once('open', () => resolve({ ws, status: 101, messages }));
      ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode ?? 0, messages }));
      ws.once('error', () => resolve({ ws, status: null, messages }));
    });
  }

  it('refuses a handshake without a valid token (401) or with a read-only one (403), before upgrading', async () => {
    expect((await connect('/proxy/echo/ws')).status).toBe(401);
    expect((await connect('/proxy/echo/ws?token=bad')).status).toBe(401);
    const readOnly = await d1.token({ read_access: true, write_access: false });
    expect(
      (await connect('/proxy/echo/ws', { headers: { authorization: `Bearer ${readOnly}` } })).status,
    ).toBe(403);
    expect((await connect(`/proxy/nosuch/ws?token=${await d1.token()}`)).status).toBe(404);
  });

  it('relays text, binary and close codes, with the subprotocol the server chose', async () => {
    const token = await d1.token();
    const { ws, status, messages } = await connect('/proxy/echo/ws?a=1', {
      protocols: ['chat.v0', 'echo.v1', 'echo.v2'],
      headers: { authorization: `Bearer ${token}`, cookie: 'session=secret' },
    });
    expect(status).toBe(101);
    expect(ws.protocol).toBe('echo.v2');
    await waitFor(() => messages.length >= 1, 'hello from upstream');
    const hello = JSON.parse(messages[0].data as string).hello;
    expect(hello).toMatchObject({ url: '/ws?a=1', protocol: 'echo.v2' });
    expect(hello.headers.authorization).toBeUndefined();
    expect(hello.headers.cookie).toBeUndefined();
    expect(hello.headers['sec-websocket-protocol']).toBe('chat.v0,echo.v1,echo.v2');
    ws.send('text frame');
    ws.send(Buffer.from([0, 1, 2, 255]));
    await waitFor(() => messages.length >= 3, 'echoes');
    expect(messages.slice(1)).toEqual([
      { data: 'text frame', binary: false },
      { data: Buffer.from([0, 1, 2, 255]), binary: true },
    ]);
    const closed = new Promise<[number, string]>((r) =>
      ws.once('close', (code, reason) => r([code, reason.toString()])),
    );
    ws.send('close:4001');
    expect(await closed).toEqual([4001, 'bye']);
  });

  it("accepts d1's bearer subprotocol and keeps it (and the token) from the server", async () => {
    const token = await d1.token();
    const { ws, status, messages } = await connect(`/proxy/echo/ws`, {
      protocols: ['bearer', token, 'echo.v1'],
    });
    expect(status).toBe(101);
    expect(ws.protocol).toBe('echo.v1');
    await waitFor(() => messages.length >= 1, 'hello from upstream');
    const hello = JSON.parse(messages[0].data as string).hello;
    expect(hello.headers['sec-websocket-protocol']).toBe('echo.v1');
    expect(JSON.stringify(hello)).not.toContain(token);
    ws.close(1000);
  });

  it('passes a client close code upstream and ends the upstream connection', async () => {
    const { ws } = await connect(`/proxy/echo/ws?token=${await d1.token()}`);
    ws.close(4002, 'client done');
    await waitFor(async () => {
      const logs = await d1.request('GET', '/server/processes/echo/logs');
      return logs.json.lines.includes('WS closed 4002 client done');
    }, 'the close code upstream');
  });
});
