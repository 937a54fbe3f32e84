import {
  clientResponseHeaders,
  prefixedLocation,
  upstreamProtocols,
  upstreamRequestHeaders,
  withoutToken,
} from './proxy-headers';
import { parseProxyPath, upstreamPath } from './proxy-path';

const ctx = { remoteAddress: '10.0.0.7', prefix: '/proxy/web', stripped: true };

describe('upstreamRequestHeaders', () => {
  const incoming = {
    host: 'd1.example:8000',
    authorization: 'Bearer user-jwt',
    cookie: 'session=abc',
    connection: 'keep-alive, x-hop',
    'keep-alive': 'timeout=5',
    'x-hop': 'per-connection',
    te: 'trailers',
    'transfer-encoding': 'chunked',
    'proxy-authorization': 'Basic x',
    upgrade: 'websocket',
    'sec-websocket-key': 'k',
    'sec-websocket-protocol': 'a, b',
    accept: 'text/html',
    'content-type': 'text/plain',
    expect: '100-continue',
  };

  it('drops hop-by-hop headers, those named in Connection, and d1 credentials', () => {
    const out = upstreamRequestHeaders(incoming, ctx);
    expect(out).toEqual({
      accept: 'text/html',
      'content-type': 'text/plain',
      'sec-websocket-key': 'k',
      'sec-websocket-protocol': 'a, b',
      'x-forwarded-for': '10.0.0.7',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'd1.example:8000',
      'x-forwarded-prefix': '/proxy/web',
      'x-forwarded-context': '/proxy/web',
      'x-proxycontextpath': '/proxy/web',
    });
  });

  it('leaves the handshake headers to the websocket client, and the prefix out with absolute_url', () => {
    const out = upstreamRequestHeaders(incoming, { ...ctx, stripped: false }, true);
    expect(Object.keys(out).sort()).toEqual([
      'accept',
      'content-type',
      'x-forwarded-for',
      'x-forwarded-host',
      'x-forwarded-proto',
    ]);
    expect(out['x-forwarded-proto']).toBe('ws');
  });

  it('extends X-Forwarded-* set by a proxy in front of d1', () => {
    const out = upstreamRequestHeaders(
      {
        host: 'inner',
        'x-forwarded-for': '1.2.3.4',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'outer',
      },
      ctx,
    );
    expect(out).toMatchObject({
      'x-forwarded-for': '1.2.3.4, 10.0.0.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'outer',
    });
  });
});

describe('clientResponseHeaders', () => {
  it('drops hop-by-hop headers, keeps repeated ones, and rewrites Location', () => {
    const out = clientResponseHeaders(
      {
        connection: 'close, x-secret',
        'x-secret': 's',
        'transfer-encoding': 'chunked',
        'set-cookie': ['a=1', 'b=2'],
        location: '/login',
        'content-type': 'text/html',
      },
      (l) => `/proxy/web${l}`,
    );
    expect(out).toEqual({
      'set-cookie': ['a=1', 'b=2'],
      location: '/proxy/web/login',
      'content-type': 'text/html',
    });
  });

  it('drops every cookie of a server whose cookies are its own credentials', () => {
    const out = clientResponseHeaders(
      { 'set-cookie': ['username-127-0-0-1-9000=x', '_xsrf=y'], 'content-type': 'text/html' },
      (l) => l,
      true,
    );
    expect(out).toEqual({ 'content-type': 'text/html' });
  });
});

describe('prefixedLocation', () => {
  const origin = 'http://127.0.0.1:4000';
  it.each([
    ['/login?next=/', '/proxy/web/login?next=/'],
    ['http://127.0.0.1:4000/a/b', '/proxy/web/a/b'],
    ['http://127.0.0.1:4000', '/proxy/web/'],
    ['http://127.0.0.1:40001/x', 'http://127.0.0.1:40001/x'],
    ['https://example.com/x', 'https://example.com/x'],
    ['//example.com/x', '//example.com/x'],
    ['relative/path', 'relative/path'],
  ])('%s -> %s', (location, expected) => {
    expect(prefixedLocation(location, '/proxy/web', origin)).toBe(expected);
  });
});

describe('withoutToken', () => {
  it.each([
    ['', ''],
    ['?token=abc', ''],
    ['?a=1&token=abc&b=2', '?a=1&b=2'],
    ['?to%6Ben=abc&a=%20', '?a=%20'],
    ['?tokens=1&a', '?tokens=1&a'],
  ])('%s -> %s', (search, expected) => {
    expect(withoutToken(search)).toBe(expected);
  });
});

describe('upstreamProtocols', () => {
  it('removes the bearer convention and keeps the order of the rest', () => {
    expect(upstreamProtocols('bearer, eyJ.jwt, echo.v1, echo.v2')).toEqual(['echo.v1', 'echo.v2']);
    expect(upstreamProtocols('echo.v1,Bearer,eyJ.jwt')).toEqual(['echo.v1']);
    expect(upstreamProtocols(undefined)).toEqual([]);
  });
});

describe('proxy paths', () => {
  it('splits the server name from the rest', () => {
    expect(parseProxyPath('/proxy/web/a/b?x=1')).toEqual({ name: 'web', rest: '/a/b', search: '?x=1' });
    expect(parseProxyPath('/proxy/web')).toEqual({ name: 'web', rest: '', search: '' });
    expect(parseProxyPath('/proxy/')).toBeNull();
    expect(parseProxyPath('/proxyweb/a')).toBeNull();
  });

  it('strips the prefix unless absolute_url', () => {
    const p = { name: 'web', rest: '/a', search: '?x' };
    expect(upstreamPath(p, false, '?x')).toBe('/a?x');
    expect(upstreamPath(p, true, '?x')).toBe('/proxy/web/a?x');
    expect(upstreamPath({ ...p, rest: '' }, false, '')).toBe('/');
  });
});
