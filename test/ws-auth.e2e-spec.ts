import { useD1 } from './support/d1';
import { WsRecorder } from './support/ws';

describe('websocket auth on /server/ws', () => {
  const d1 = useD1();

  const url = (): string => `${d1.wsUrl}/server/ws`;

  it('closes with 1008 without a token or with a bad one', async () => {
    const none = await new WsRecorder(url()).ready();
    expect(await none.closed()).toBe(1008);
    const bad = await new WsRecorder(url(), { token: 'not-a-jwt' }).ready();
    expect(await bad.closed()).toBe(1008);
  });

  it('closes with 1008 for a token without permissions', async () => {
    const token = await d1.token({ read_access: false, write_access: false });
    const ws = await new WsRecorder(url(), { token }).ready();
    expect(await ws.closed()).toBe(1008);
    expect(ws.closeReason).toBe('Inadequate permissions');
  });

  it.each([
    ['header', (t: string) => new WsRecorder(`${d1.wsUrl}/server/ws`, { token: t })],
    ['query', (t: string) => new WsRecorder(`${d1.wsUrl}/server/ws?token=${t}`)],
    ['subprotocol', (t: string) => new WsRecorder(`${d1.wsUrl}/server/ws`, { protocols: ['bearer', t] })],
  ])('accepts a read-only token by %s', async (_how, make) => {
    const token = await d1.token({ read_access: true, write_access: false });
    const ws = await make(token).ready();
    expect(ws.socket.readyState).toBe(1);
    ws.close();
  });

  it('closes the socket when its token expires', async () => {
    const token = await d1.token({ read_access: true, write_access: false, expires_in: 1 });
    const ws = await new WsRecorder(url(), { token }).ready();
    expect(await ws.closed(5000)).toBe(1008);
    expect(ws.closeReason).toBe('Token expired');
  });

  it('answers 404 for websocket paths that do not exist', async () => {
    const ws = new WsRecorder(`${d1.wsUrl}/nope/ws`, { token: await d1.token() });
    await expect(ws.ready()).rejects.toThrow(/404/);
  });
});
