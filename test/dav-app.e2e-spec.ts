import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestD1, startD1 } from './support/d1';

/** WebDAV mounted in the real app: d1's credentials, the root dir, the permission matrix. */
describe('WebDAV in d1', () => {
  let d1: TestD1;
  beforeAll(async () => {
    d1 = await startD1();
  });
  afterAll(async () => {
    await d1?.close();
  });

  const basic = (user: string, pass: string): string =>
    `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  it('asks for Basic credentials', async () => {
    const res = await d1.request('PROPFIND', '/dav/', { auth: null, headers: { depth: '1' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it.each([
    ['token as password', async () => basic('any', await d1.token()), 201],
    ['token as username', async () => basic(await d1.token(), ''), 201],
    ['shared secret as password', async () => basic('me', d1.secret), 201],
    [
      'read-only token',
      async () => basic('x', await d1.token({ read_access: true, write_access: false })),
      403,
    ],
    ['bad token', async () => basic('x', 'nope'), 401],
    [
      'permissionless token',
      async () => basic('x', await d1.token({ read_access: false, write_access: false })),
      401,
    ],
  ])('PUT with %s', async (name, auth, status) => {
    const file = `put-${name.replace(/\W/g, '-')}.txt`;
    const res = await d1.request('PUT', `/dav/${file}`, {
      auth: await auth(),
      raw: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(status);
    if (status === 201) expect(readFileSync(join(d1.rootDir, file), 'utf8')).toBe('hello');
  });

  it('lets a read-only token browse and read', async () => {
    const auth = basic('x', await d1.token({ read_access: true, write_access: false }));
    const list = await d1.request('PROPFIND', '/dav/', { auth, headers: { depth: '1' } });
    expect(list.status).toBe(207);
    expect(list.text).toContain('put-token-as-password.txt');
    const get = await d1.request('GET', '/dav/put-token-as-password.txt', { auth });
    expect(get.status).toBe(200);
    expect(get.text).toBe('hello');
  });

  it('refuses to leave the root dir', async () => {
    const auth = basic('x', d1.secret);
    for (const path of [
      '/dav/..%2f..%2fetc/passwd',
      '/dav/%2e%2e/%2e%2e/etc/passwd',
      '/dav/../../etc/passwd',
    ]) {
      const res = await d1.request('GET', path, { auth });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.text).not.toContain('root:');
    }
  });
});
