import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { WsClient, plainSocket } from './ws-client';
import { TextFrame } from '../events/ws-frame';

/** A real ws server and client on loopback; `server` is the server's side of the one connection. */
async function pair(perMessageDeflate: boolean) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate });
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  await new Promise((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate });
  const received: string[] = [];
  client.on('message', (data) => received.push(data.toString()));
  const server = await accepted;
  await new Promise((resolve) =>
    client.readyState === WebSocket.OPEN ? resolve(null) : client.once('open', resolve),
  );
  const close = async (): Promise<void> => {
    client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  };
  return { server, client, received, close };
}

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

// Every header form (7-bit, 16-bit, 64-bit length) at its edges, an empty message, and multi-byte text.
const texts = [0, 1, 125, 126, 65535, 65536, 200_000].map((n) => 'a'.repeat(n)).concat(['{"m":"é"}']);

describe('WsClient.sendFrame', () => {
  it('writes shared frames straight to the socket; ws on the other end reads every length intact', async () => {
    const p = await pair(false);
    expect(plainSocket(p.server)).not.toBeNull();
    const c = new WsClient(p.server, 64 * 1024 * 1024);
    for (const t of texts) expect(c.sendFrame(TextFrame.ofText(t))).toBe(true);
    c.send('via ws'); // ws's own writes and direct ones stay in order on the one socket
    c.sendFrame(TextFrame.ofText('last'));
    await until(() => p.received.length === texts.length + 2);
    expect(p.received).toEqual([...texts, 'via ws', 'last']);
    await p.close();
  });

  it('goes through ws when permessage-deflate was negotiated', async () => {
    const p = await pair(true);
    expect(p.server.extensions).toContain('permessage-deflate');
    expect(plainSocket(p.server)).toBeNull();
    const c = new WsClient(p.server, 64 * 1024 * 1024);
    for (const t of texts) c.sendFrame(TextFrame.ofText(t));
    await until(() => p.received.length === texts.length);
    expect(p.received).toEqual(texts);
    await p.close();
  });

  it('counts directly written frames in bufferedAmount, so a client that reads nothing is closed', async () => {
    const p = await pair(false);
    p.client.pause(); // reads nothing: the kernel's buffers fill, then the socket's own queue
    const bound = 1024 * 1024;
    const c = new WsClient(p.server, bound);
    const frame = TextFrame.ofText('x'.repeat(64 * 1024));
    let sent = 0;
    while (c.sendFrame(frame) && sent < 10_000) sent++;
    expect(sent).toBeLessThan(10_000);
    expect(p.server.bufferedAmount).toBeGreaterThan(0);
    expect(p.server.bufferedAmount).toBeLessThanOrEqual(bound + frame.bytes.length);
    expect(c.open).toBe(false);
    await p.close();
  });
});

describe('the ws copy behind the gateways', () => {
  // plainSocket reads private fields of ws (8.x); package.json pins one ws for the whole tree (overrides), so the
  // copy @nestjs/platform-ws creates d1's sockets with is the one these specs exercise.
  it('is the one these specs use', () => {
    const platformWs = require.resolve('ws', { paths: [require.resolve('@nestjs/platform-ws')] });
    expect(platformWs).toBe(require.resolve('ws'));
  });
});
