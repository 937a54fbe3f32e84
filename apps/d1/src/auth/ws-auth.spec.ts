import type { IncomingMessage } from 'node:http';
import { chooseProtocol, handshakeToken, queryInt } from './ws-auth';

const req = (url: string, headers: Record<string, string> = {}): IncomingMessage =>
  ({ url, headers }) as unknown as IncomingMessage;

describe('handshakeToken', () => {
  it.each([
    ['header', req('/x', { authorization: 'Bearer abc' }), 'abc'],
    ['query', req('/x?token=def'), 'def'],
    ['subprotocol', req('/x', { 'sec-websocket-protocol': 'bearer, ghi' }), 'ghi'],
    ['header wins', req('/x?token=q', { authorization: 'Bearer h' }), 'h'],
    ['nothing', req('/x'), undefined],
    ['raw secret header is not a bearer', req('/x', { authorization: 'abc' }), undefined],
  ])('%s', (_name, r, expected) => {
    expect(handshakeToken(r)).toBe(expected);
  });
});

describe('chooseProtocol', () => {
  it('echoes bearer and nothing else', () => {
    expect(chooseProtocol(new Set(['bearer', 'tok']))).toBe('bearer');
    expect(chooseProtocol(new Set(['v1.kernel.websocket.jupyter.org']))).toBe(false);
  });
});

describe('queryInt', () => {
  it('parses non-negative integers only', () => {
    expect(queryInt(req('/x?since=12'), 'since')).toBe(12);
    expect(queryInt(req('/x?since=-1'), 'since')).toBeNull();
    expect(queryInt(req('/x?since=a'), 'since')).toBeNull();
    expect(queryInt(req('/x'), 'since')).toBeNull();
  });
});
