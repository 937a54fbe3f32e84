import { makeConfig } from '../config';
import { AuthService } from './auth.service';
import { permission } from './permission';

function service(jwtSecret: string | null = 'k'.repeat(32)): AuthService {
  return new AuthService(makeConfig({ secretToken: 'the-secret', rootDir: '/tmp', jwtSecret }));
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

  it('reads WebDAV Basic credentials: token as user or password, or the secret as password', () => {
    const auth = service();
    const rw = auth.issue(permission(true, true));
    const ro = auth.issue(permission(true, false));
    expect(auth.fromBasic(rw, '')).toEqual({ read: true, write: true });
    expect(auth.fromBasic('anyone', ro)).toEqual({ read: true, write: false });
    expect(auth.fromBasic('anyone', 'the-secret')).toEqual({ read: true, write: true });
    expect(auth.fromBasic('anyone', 'wrong')).toBeNull();
    expect(auth.fromBasic('x', auth.issue(permission(false, false)))).toBeNull();
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
