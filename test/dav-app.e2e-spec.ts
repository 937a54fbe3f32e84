import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { useD1 } from './support/d1';
import { davRequest, type DavRequestOptions } from './support/dav-client';

/**
 * WebDAV mounted in the real app: d1's credentials (§3), the permission matrix, confinement to the root dir,
 * and no credentials in the log (the app runs at `verbose`, which logs every WebDAV request).
 */
describe('WebDAV in d1', () => {
  let port: number;
  let rw: [string, string];
  let ro: [string, string];
  let outside: string;
  const logged: string[] = [];
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const d1 = useD1(() => {
    // Captured before the app exists, so start-up lines are checked too.
    const capture = (stream: NodeJS.WriteStream, original: typeof stream.write) =>
      ((chunk: unknown, ...rest: never[]) => {
        logged.push(String(chunk));
        return original.call(stream, chunk as string, ...rest);
      }) as typeof stream.write;
    process.stdout.write = capture(process.stdout, writes.out);
    process.stderr.write = capture(process.stderr, writes.err);
    return { logLevel: 'verbose' };
  });
  const onDisk = (relative: string) => path.join(d1.rootDir, relative);
  const req = (method: string, rawPath: string, options: DavRequestOptions = {}) =>
    davRequest(port, method, rawPath, options);

  beforeAll(async () => {
    port = Number(new URL(d1.baseUrl).port);
    rw = ['anyone', d1.secret];
    ro = ['viewer', await d1.token({ read_access: true, write_access: false })];
    outside = mkdtempSync(path.join(tmpdir(), 'd1-outside-'));
    writeFileSync(path.join(outside, 'secret.txt'), 'top secret');
  });

  d1.beforeClose(() => {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
  });
  afterAll(async () => {
    rmSync(outside, { recursive: true, force: true });
  });

  describe('credentials', () => {
    beforeAll(() => writeFileSync(onDisk('perm.txt'), 'original'));

    it.each([
      ['no credentials', undefined],
      ['a bad token as password', ['x', 'not.a.token'] as [string, string]],
      ['a bad token as user name', ['not.a.token', ''] as [string, string]],
      ['a wrong shared secret', ['x', 'wrong-secret'] as [string, string]],
    ])('answers 401 with a Basic challenge for %s', async (_label, auth) => {
      const res = await req('PROPFIND', '/dav/', { auth, headers: { depth: '0' } });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="d1"/);
    });

    it('answers 401 for a token without any permission', async () => {
      const none = await d1.token({ read_access: false, write_access: false });
      expect((await req('GET', '/dav/perm.txt', { auth: ['x', none] })).status).toBe(401);
    });

    it.each([
      ['the shared secret as password', () => rw],
      ['a token as password', async () => ['x', await d1.token()] as [string, string]],
      ['a token as user name', async () => [await d1.token(), ''] as [string, string]],
    ])('lets %s read and write', async (label, auth) => {
      const credentials = await auth();
      const file = `rw-${label.replace(/\W+/g, '-')}.txt`;
      expect((await req('PUT', `/dav/${file}`, { auth: credentials, body: label })).status).toBe(201);
      expect(readFileSync(onDisk(file), 'utf8')).toBe(label);
      expect((await req('GET', `/dav/${file}`, { auth: credentials })).body).toBe(label);
      expect((await req('DELETE', `/dav/${file}`, { auth: credentials })).status).toBe(200);
      expect(existsSync(onDisk(file))).toBe(false);
    });

    it.each([
      ['GET', '/dav/perm.txt', {}, 200],
      ['HEAD', '/dav/perm.txt', {}, 200],
      ['OPTIONS', '/dav/', {}, 200],
      ['PROPFIND', '/dav/', { depth: '1' }, 207],
    ])('lets a read-only token %s', async (method, url, headers, status) => {
      expect((await req(method, url, { auth: ro, headers })).status).toBe(status);
    });

    it.each([
      ['PUT', '/dav/perm.txt', {}],
      ['PUT', '/dav/ro-new.txt', {}],
      ['DELETE', '/dav/perm.txt', {}],
      ['MKCOL', '/dav/ro-dir', {}],
      ['COPY', '/dav/perm.txt', { destination: '/dav/ro-copy.txt' }],
      ['MOVE', '/dav/perm.txt', { destination: '/dav/ro-moved.txt' }],
      ['PROPPATCH', '/dav/perm.txt', {}],
      ['LOCK', '/dav/perm.txt', {}],
      ['UNLOCK', '/dav/perm.txt', { 'lock-token': '<urn:uuid:x>' }],
    ])('refuses %s %s to a read-only token with 403', async (method, url, headers) => {
      const body = method === 'PUT' ? 'changed' : undefined;
      expect((await req(method, url, { auth: ro, headers, body })).status).toBe(403);
    });

    it('left the disk untouched after the refused writes', () => {
      expect(readFileSync(onDisk('perm.txt'), 'utf8')).toBe('original');
      for (const name of ['ro-new.txt', 'ro-dir', 'ro-copy.txt', 'ro-moved.txt']) {
        expect(existsSync(onDisk(name))).toBe(false);
      }
    });
  });

  describe('confinement', () => {
    let sibling: string;

    beforeAll(() => {
      // A file beside the root dir, reachable by `..` if anything let it through.
      sibling = `${path.basename(d1.rootDir)}-sibling.txt`;
      writeFileSync(path.join(path.dirname(d1.rootDir), sibling), 'sibling');
      symlinkSync(outside, onDisk('link-out'));
      symlinkSync(path.join(outside, 'secret.txt'), onDisk('link-secret'));
      mkdirSync(onDisk('tree'));
      writeFileSync(onDisk('tree/own.txt'), 'own');
      symlinkSync(outside, onDisk('tree/link-out'));
    });

    afterAll(() => rmSync(path.join(path.dirname(d1.rootDir), sibling), { force: true }));

    const outsideState = () => ({
      outside: readdirSync(outside).sort(),
      secret: readFileSync(path.join(outside, 'secret.txt'), 'utf8'),
      sibling: readFileSync(path.join(path.dirname(d1.rootDir), sibling), 'utf8'),
      parent: readdirSync(path.dirname(d1.rootDir)).filter((n) => n.includes(path.basename(d1.rootDir))),
    });

    it.each([
      '/dav/../SIBLING',
      '/dav/%2e%2e/SIBLING',
      '/dav/%2E%2E/SIBLING',
      '/dav/.%2e/SIBLING',
      '/dav/a/../../SIBLING',
      '/dav/..%2fSIBLING',
      '/dav/%2e%2e%2fSIBLING',
      '/dav/..%5cSIBLING',
      '/dav/..\\SIBLING',
      '/dav/SIBLING%00',
      '/dav/link-secret',
      '/dav/link-out/secret.txt',
      '/dav/link-out/new.txt',
    ])('refuses GET, PUT, DELETE and PROPFIND of %s', async (pattern) => {
      const rawPath = pattern.replace('SIBLING', sibling);
      const before = outsideState();
      for (const method of ['GET', 'PUT', 'DELETE', 'PROPFIND']) {
        const res = await req(method, rawPath, { auth: rw, body: method === 'PUT' ? 'pwned' : undefined });
        expect([method, [400, 403, 404].includes(res.status)]).toEqual([method, true]);
        expect(res.body).not.toMatch(/secret|sibling/);
      }
      expect(outsideState()).toEqual(before);
    });

    it.each([
      '/dav/../escaped.txt',
      '/dav/%2e%2e/escaped.txt',
      '/dav/%2e%2e%2fescaped.txt',
      '/dav/link-out/escaped.txt',
      'http://evil.example/dav/escaped.txt',
      'http://127.0.0.1:1/dav/escaped.txt',
      'HOST/dav/%2e%2e/escaped.txt',
      'HOST/elsewhere/escaped.txt',
      'file:///tmp/escaped.txt',
      '../escaped.txt',
    ])('refuses COPY and MOVE to Destination %s', async (pattern) => {
      const destination = pattern.replace('HOST', d1.baseUrl);
      writeFileSync(onDisk('movable.txt'), 'movable');
      const before = outsideState();
      for (const method of ['COPY', 'MOVE']) {
        const res = await req(method, '/dav/movable.txt', { auth: rw, headers: { destination } });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(600);
      }
      expect(outsideState()).toEqual(before);
      expect(readFileSync(onDisk('movable.txt'), 'utf8')).toBe('movable');
      expect(existsSync(path.join(path.dirname(d1.rootDir), 'escaped.txt'))).toBe(false);
    });

    it('never lists, copies or deletes through a symlink leading out', async () => {
      const before = outsideState();
      const listing = await req('PROPFIND', '/dav/tree/', { auth: rw, headers: { depth: '1' } });
      expect(listing.status).toBe(207);
      expect(listing.body).not.toContain('secret.txt');
      const copy = await req('COPY', '/dav/tree/', { auth: rw, headers: { destination: '/dav/tree-copy/' } });
      expect(copy.status).toBeLessThan(500);
      expect(existsSync(onDisk('tree-copy/link-out/secret.txt'))).toBe(false);
      await req('DELETE', '/dav/tree/', { auth: rw });
      expect(outsideState()).toEqual(before);
    });
  });

  it('never writes credentials to the log', async () => {
    const text = logged.join('');
    // The capture works: every request above was logged at verbose, without its Authorization header.
    expect(text).toMatch(/PROPFIND \/dav\/ 401/);
    expect(text).toMatch(/PUT \/dav\/perm\.txt 403/);
    const secrets = [d1.secret, ro[1], await d1.token(), 'not.a.token', 'wrong-secret'];
    const basics = secrets.flatMap((s) => [`x:${s}`, `anyone:${s}`, `${s}:`].map(base64));
    for (const s of [...secrets, ...basics]) expect(text).not.toContain(s);
    expect(text).not.toMatch(/authorization|Basic [A-Za-z0-9+/=]{8,}/i);
  });
});

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}
