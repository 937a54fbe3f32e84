import { makeConfig } from '../config';
import { D1Error } from '../common/errors';
import { AuthService, Principal } from './auth.service';
import { LoginThrottle } from './login-throttle';
import { permission } from './permission';

function service(jwtSecret: string | null = 'k'.repeat(32)): AuthService {
  const config = makeConfig({
    secretToken: 'the-secret',
    rootDir: '/tmp',
    jwtSecret,
    loginFailuresPerMinute: 3,
  });
  return new AuthService(config, new LoginThrottle(config));
}

/** The status a call fails with (or 'ok'). */
async function statusOf(call: () => unknown): Promise<number | 'ok'> {
  try {
    await call();
    return 'ok';
  } catch (err) {
    return (err as D1Error).status;
  }
}

describe('AuthService', () => {
  afterEach(() => jest.useRealTimers());

  it('compares the shared secret exactly', () => {
    const auth = service();
    expect(auth.checkSecret('the-secret')).toBe(true);
    expect(auth.checkSecret('the-secreT')).toBe(false);
    expect(auth.checkSecret('')).toBe(false);
    expect(auth.checkSecret(undefined)).toBe(false);
  });

  it('verifies the tokens it issues, with their permission', () => {
    const auth = service();
    const principal = auth.verify(auth.issue(permission(true, false)));
    expect(principal?.permission).toEqual({
      id: -1,
      user_id: -1,
      work_node_id: -1,
      read_access: true,
      write_access: false,
    });
    expect(auth.allows(principal!, 'read')).toBe(true);
    expect(auth.allows(principal!, 'write')).toBe(false);
  });

  it('refuses tokens signed with another key, malformed ones and missing ones', () => {
    const token = service('a'.repeat(32)).issue(permission(true, true));
    const auth = service('b'.repeat(32));
    expect(auth.verify(token)).toBeNull();
    expect(auth.verify('abc.def.ghi')).toBeNull();
    expect(auth.verify(undefined)).toBeNull();
    expect(auth.fromBearer('abc')).toBeNull();
  });

  it('stops accepting a token once it expires, cached or not', () => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const auth = service();
    const token = auth.issue(permission(true, true), 10);
    expect(auth.verify(token)).not.toBeNull();
    jest.setSystemTime(new Date('2030-01-01T00:00:11Z'));
    expect(auth.verify(token)).toBeNull();
    expect(service().verify(token)).toBeNull();
  });

  it('reads WebDAV Basic credentials: token as user or password, or the secret as password', async () => {
    const auth = service();
    const rw = auth.issue(permission(true, true));
    const ro = auth.issue(permission(true, false));
    expect(await auth.fromBasic(rw, '', 'c')).toEqual({ read: true, write: true });
    expect(await auth.fromBasic('anyone', ro, 'c')).toEqual({ read: true, write: false });
    expect(await auth.fromBasic('anyone', 'the-secret', 'c')).toEqual({ read: true, write: true });
    expect(await auth.fromBasic('anyone', 'wrong', 'c')).toBeNull();
    expect(await auth.fromBasic('x', auth.issue(permission(false, false)), 'c')).toBeNull();
  });

  it('throttles wrong secrets per client, at login and over WebDAV together; tokens still work', async () => {
    const auth = service();
    expect(await statusOf(() => auth.login('wrong-1', 'a'))).toBe(401);
    expect(await auth.fromBasic('x', 'wrong-2', 'a')).toBeNull();
    expect(await statusOf(() => auth.login('wrong-3', 'a'))).toBe(401);
    // The allowance (3 here) is used up: even the right secret is refused for this client, with 429.
    expect(await statusOf(() => auth.login('the-secret', 'a'))).toBe(429);
    expect(await statusOf(() => auth.fromBasic('x', 'the-secret', 'a'))).toBe(429);
    const err = await auth.login('the-secret', 'a').catch((e: D1Error) => e);
    expect((err as D1Error).retryAfterSeconds).toBeGreaterThan(0);
    expect(await auth.fromBasic('x', auth.issue(permission(true, false)), 'a')).toEqual({
      read: true,
      write: false,
    });
    expect(await statusOf(() => auth.login('the-secret', 'b'))).toBe('ok');
    // An absent secret or an empty password is no guess and is not counted.
    for (let i = 0; i < 5; i++) expect(await statusOf(() => auth.login(undefined, 'c'))).toBe(401);
    expect(await statusOf(() => auth.login('the-secret', 'c'))).toBe('ok');
  });

  it('mints tokens that never outrank or outlive the minter', () => {
    const auth = service();
    const now = Math.floor(Date.now() / 1000);
    const minter: Principal = { permission: permission(true, true), exp: now + 100 };
    const child = auth.verify(auth.mint(minter, permission(true, false), 50))!;
    expect(child.permission.write_access).toBe(false);
    expect(child.exp).toBeLessThanOrEqual(now + 51);
    expect(auth.verify(auth.mint(minter, permission(true, true)))!.exp).toBe(minter.exp);
    const tooLong = (): string => auth.mint(minter, permission(true, false), 3650 * 24 * 3600);
    expect(tooLong).toThrow(/expires_in: must be at most/);
    const reader: Principal = { permission: permission(true, false), exp: now + 100 };
    expect(() => auth.mint(reader, permission(true, true))).toThrow('A token cannot grant more than');
  });
});

describe('token size', () => {
  it('stays under the 256 characters WebDAV clients accept as a password', () => {
    const token = service().issue(permission(true, true), 10 * 365 * 24 * 3600);
    expect(token.length).toBeLessThan(256);
  });
});

describe('token lifetime', () => {
  it('uses the configured lifetime when none (or null) is asked for', () => {
    const auth = service();
    for (const ttl of [undefined, null]) {
      const principal = auth.verify(auth.issue(permission(true, false), ttl));
      expect(principal!.exp - Date.now() / 1000).toBeGreaterThan(8 * 24 * 3600 - 60);
    }
  });
});
