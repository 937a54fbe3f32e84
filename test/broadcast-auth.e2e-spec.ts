import { useD1, waitFor } from './support/d1';
import { WsRecorder } from './support/ws';
import { openNotebook } from './support/ws-feed';

/** The permission matrix of the three feeds: the handshake needs a valid, unexpired token with read access. */
describe('websocket auth on every feed', () => {
  const d1 = useD1();
  let uuid: string;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    uuid = await openNotebook(d1, ['1+1']);
    tokens.none = await d1.token({ read_access: false, write_access: false });
    tokens.read = await d1.token({ read_access: true, write_access: false });
    tokens.readWrite = await d1.token();
    tokens.expired = await d1.token({ read_access: true, write_access: true, expires_in: 1 });
    await waitFor(
      async () =>
        (await d1.request('POST', '/login/test-token', { auth: `Bearer ${tokens.expired}` })).status === 401,
      'the short-lived token to expire',
      5000,
    );
  });

  const feeds: Array<[string, () => string]> = [
    ['notebook', () => `${d1.wsUrl}/notebooks/${uuid}/ws/notebook`],
    ['stream', () => `${d1.wsUrl}/notebooks/${uuid}/ws/stream`],
    ['server', () => `${d1.wsUrl}/server/ws`],
  ];

  it.each(feeds)('%s: refuses with 1008 without a usable token', async (_feed, url) => {
    const cases: Array<[string, WsRecorder, string]> = [
      ['no token', new WsRecorder(url()), 'Could not validate credentials'],
      ['bad token', new WsRecorder(url(), { token: 'not-a-jwt' }), 'Could not validate credentials'],
      ['no permissions', new WsRecorder(url(), { token: tokens.none }), 'Inadequate permissions'],
      ['expired', new WsRecorder(url(), { token: tokens.expired }), 'Could not validate credentials'],
    ];
    for (const [what, ws, reason] of cases) {
      await ws.ready();
      expect([what, await ws.closed()]).toEqual([what, 1008]);
      expect([what, ws.closeReason]).toEqual([what, reason]);
    }
  });

  it.each(feeds)('%s: admits read-only and read-write tokens', async (_feed, url) => {
    for (const token of [tokens.read, tokens.readWrite]) {
      const ws = await new WsRecorder(url(), { token }).ready();
      // A refused handshake is closed while it is admitted; a pong after that proves this one was kept.
      await new Promise<void>((resolve) => {
        ws.socket.once('pong', () => resolve());
        ws.socket.ping();
      });
      expect(ws.socket.readyState).toBe(1);
      ws.close();
    }
  });

  it('closes every feed with 1008 when the token expires while connected', async () => {
    const token = await d1.token({ read_access: true, write_access: false, expires_in: 2 });
    const sockets = await Promise.all(feeds.map(([, url]) => new WsRecorder(url(), { token }).ready()));
    for (const ws of sockets) expect(ws.socket.readyState).toBe(1);
    for (const ws of sockets) {
      expect(await ws.closed(5000)).toBe(1008);
      expect(ws.closeReason).toBe('Token expired');
    }
  });
});
