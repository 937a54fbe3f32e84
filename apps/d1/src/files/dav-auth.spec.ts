import { tooManyRequests } from '../common/errors';
import { authorize, parseBasicAuth, type DavAuthenticate } from './dav-auth';

const basic = (user: string, password: string) =>
  'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const authenticate: DavAuthenticate = (username, password) => {
  if (password !== 'secret') return null;
  if (username === 'rw') return { read: true, write: true };
  if (username === 'ro') return { read: true, write: false };
  if (username === 'none') return { read: false, write: false };
  return null;
};

describe('parseBasicAuth', () => {
  it.each([
    [undefined, null],
    ['Bearer abc', null],
    ['Basic !!!', null],
    ['Basic ' + Buffer.from('no-colon').toString('base64'), null],
    [basic('jwt.token.here', ''), { username: 'jwt.token.here', password: '' }],
    [basic('', 'a:b'), { username: '', password: 'a:b' }],
  ])('reads %s', (header, expected) => {
    expect(parseBasicAuth(header)).toEqual(expected);
  });
});

describe('authorize', () => {
  it.each([
    ['GET', undefined, 401],
    ['GET', basic('rw', 'wrong'), 401],
    ['GET', basic('none', 'secret'), 401],
    ['GET', basic('ro', 'secret'), 200],
    ['PROPFIND', basic('ro', 'secret'), 200],
    ['OPTIONS', basic('ro', 'secret'), 200],
    ['PUT', basic('ro', 'secret'), 403],
    ['LOCK', basic('ro', 'secret'), 403],
    ['UNLOCK', basic('ro', 'secret'), 403],
    ['PROPPATCH', basic('ro', 'secret'), 403],
    ['MOVE', basic('rw', 'secret'), 200],
    ['DELETE', basic('rw', 'secret'), 200],
  ])('%s with %s → %d', async (method, header, status) => {
    const decision = await authorize(authenticate, header, method);
    expect(decision.ok ? 200 : decision.status).toBe(status);
  });

  it('treats a throwing authenticator as a refusal', async () => {
    const throwing: DavAuthenticate = () => {
      throw new Error('bad token');
    };
    expect(await authorize(throwing, basic('x', 'y'), 'GET')).toEqual({ ok: false, status: 401 });
  });

  it('passes the client on and reports a throttled one as 429', async () => {
    const clients: string[] = [];
    const throttled: DavAuthenticate = (_u, _p, client) => {
      clients.push(client);
      throw tooManyRequests('Too many failed logins', 42);
    };
    const decision = await authorize(throttled, basic('x', 'y'), 'GET', '10.0.0.7');
    expect(clients).toEqual(['10.0.0.7']);
    expect(decision).toMatchObject({ ok: false, status: 429, error: { retryAfterSeconds: 42 } });
  });
});
