import type { KernelMessage } from '@jupyterlab/services';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { RelayError, translateError } from './errors';
import { KernelRelay } from './kernel-relay';
import { parentId, toKernelState, toRelayMessage } from './messages';

type Route = (req: IncomingMessage, body: string) => { status: number; body?: unknown };

/** A kernel service's REST API on loopback: answers from `route`, and records every request. */
async function kernelService(route: Route) {
  const seen: Array<{ method: string; url: string; body: string; auth?: string }> = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, auth: req.headers.authorization });
      const answer = route(req, body);
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const relay = new KernelRelay({
    baseUrl: `http://127.0.0.1:${port}`,
    token: 'tok',
    requestTimeoutMs: 5_000,
  });
  return { relay, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('KernelRelay REST calls', () => {
  const services: Array<{ close(): Promise<unknown> }> = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
  });
  const start = async (route: Route) => {
    const s = await kernelService(route);
    services.push(s);
    return s;
  };

  it('reads the version, specs, kernels and one kernel, with the token', async () => {
    const { relay, seen } = await start((req) => {
      if (req.url?.startsWith('/api/kernelspecs'))
        return { status: 200, body: { default: 'python3', kernelspecs: {} } };
      if (req.url?.startsWith('/api/kernels/k1')) return { status: 200, body: { id: 'k1', name: 'python3' } };
      if (req.url?.startsWith('/api/kernels')) return { status: 200, body: [{ id: 'k1', name: 'python3' }] };
      return { status: 200, body: { version: '2.14.0' } };
    });
    expect(await relay.ping()).toBe('2.14.0');
    expect((await relay.specs()).default).toBe('python3');
    expect(await relay.list()).toEqual([{ id: 'k1', name: 'python3' }]);
    expect(await relay.model('k1')).toEqual({ id: 'k1', name: 'python3' });
    expect(seen.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'GET /api',
      'GET /api/kernelspecs',
      'GET /api/kernels',
      'GET /api/kernels/k1',
    ]);
    expect(seen.every((r) => r.auth === 'token tok' || r.url.includes('token=tok'))).toBe(true);
  });

  it('maps the answers of the kernel service onto RelayError kinds', async () => {
    const answers: Record<string, { status: number; body?: unknown }> = {
      '/api/kernels/gone': { status: 404, body: { message: 'nope' } },
      '/api/kernels/vanished': { status: 500, body: { message: 'Kernel does not exist: vanished' } },
      '/api/kernels/bad': { status: 400, body: { message: 'bad kernel name' } },
      '/api/kernels/broken': {
        status: 500,
        body: {
          message: 'Unhandled error',
          traceback: 'Traceback\n  File "x"\nFileNotFoundError: no python',
        },
      },
    };
    const { relay } = await start(
      (req) => answers[req.url?.split('?')[0] ?? ''] ?? { status: 200, body: {} },
    );
    await expect(relay.model('gone')).rejects.toMatchObject({ kind: 'not_found' });
    await expect(relay.model('vanished')).rejects.toMatchObject({ kind: 'not_found' });
    await expect(relay.model('bad')).rejects.toMatchObject({
      kind: 'bad_request',
      message: expect.stringContaining('bad kernel name'),
    });
    await expect(relay.model('broken')).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining('FileNotFoundError: no python'),
    });
  });

  it('asks for an unknown kernel before restarting it, since the service answers 500 for those', async () => {
    const { relay, seen } = await start(() => ({ status: 404 }));
    await expect(relay.restart('nope')).rejects.toMatchObject({ kind: 'not_found' });
    expect(seen.map((r) => r.method)).toEqual(['GET']);
  });

  it('passes interrupt and restart of a kernel it is not connected to through to the service', async () => {
    const { relay, seen } = await start((req) =>
      req.method === 'GET' ? { status: 200, body: { id: 'k1', name: 'python3' } } : { status: 204 },
    );
    await relay.interrupt('k1');
    await relay.restart('k1');
    await relay.shutdown('k1');
    expect(seen.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'POST /api/kernels/k1/interrupt',
      'GET /api/kernels/k1',
      'POST /api/kernels/k1/restart',
      'DELETE /api/kernels/k1',
    ]);
    expect(relay.handle('k1')).toBeUndefined();
  });

  it('says the kernel service is unavailable when nothing listens', async () => {
    const { relay, close } = await kernelService(() => ({ status: 200 }));
    await close();
    await expect(relay.ping()).rejects.toMatchObject({ name: 'RelayError', kind: 'unavailable' });
  });
});

describe('translateError', () => {
  it('keeps RelayErrors, maps response statuses and dead kernels, and calls the rest unavailable', () => {
    const own = new RelayError('timeout', 'slow');
    expect(translateError(own, 'x')).toBe(own);
    expect(translateError({ response: { status: 404 } }, 'get k')).toMatchObject({
      kind: 'not_found',
      message: 'get k: not found',
    });
    expect(translateError({ response: { status: 409 } }, 'x').kind).toBe('bad_request');
    expect(translateError({ response: { status: 502 } }, 'x').kind).toBe('unavailable');
    expect(translateError(new Error('Kernel is dead'), 'x').kind).toBe('dead');
    expect(translateError('ECONNRESET', 'x')).toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining('ECONNRESET'),
    });
  });
});

describe('messages', () => {
  it("maps services' statuses onto d1's", () => {
    expect(
      ['idle', 'busy', 'starting', 'dead', 'restarting', 'autorestarting', 'unknown', 'terminating'].map(
        toKernelState,
      ),
    ).toEqual(['idle', 'busy', 'starting', 'dead', 'restarting', 'restarting', 'unknown', 'unknown']);
  });

  it('turns a services message into plain JSON without buffers, and finds its parent', () => {
    const msg = toRelayMessage({
      channel: 'iopub',
      header: { msg_id: 'a', msg_type: 'stream' },
      parent_header: { msg_id: 'p' },
      metadata: {},
      content: { text: 'x' },
      buffers: [new ArrayBuffer(1)],
    } as unknown as KernelMessage.IMessage);
    expect(msg).toEqual({
      channel: 'iopub',
      header: { msg_id: 'a', msg_type: 'stream' },
      parent_header: { msg_id: 'p' },
      metadata: {},
      content: { text: 'x' },
    });
    expect(parentId(msg)).toBe('p');
    expect(
      parentId(
        toRelayMessage({ channel: 'shell', header: { msg_id: 'b' } } as unknown as KernelMessage.IMessage),
      ),
    ).toBeUndefined();
  });
});
