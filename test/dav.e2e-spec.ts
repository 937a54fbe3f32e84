import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { davRequest, type DavRequestOptions } from './support/dav-client';
import { PASSWORD, startDavServer, type DavTestServer } from './support/dav-server';

const RW: [string, string] = ['rw', PASSWORD];
const RO: [string, string] = ['ro', PASSWORD];

const LOCK_BODY =
  '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>' +
  '<D:locktype><D:write/></D:locktype><D:owner>e2e</D:owner></D:lockinfo>';

describe('WebDAV over HTTP (bare Fastify with the dav plugin)', () => {
  let server: DavTestServer;
  const req = (method: string, rawPath: string, options: DavRequestOptions = {}) =>
    davRequest(server.port, method, rawPath, options);
  const onDisk = (relative: string) => path.join(server.rootDir, relative);

  beforeAll(async () => {
    server = await startDavServer();
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    // Any failure inside webdav-server would show up here rather than as a crashed process.
    expect(server.errors).toEqual([]);
  });

  describe('permissions', () => {
    beforeAll(() => writeFileSync(onDisk('perm.txt'), 'original'));

    it.each([
      ['no credentials', undefined],
      ['a wrong password', ['rw', 'nope'] as [string, string]],
      ['an unknown user', ['who', PASSWORD] as [string, string]],
    ])('answers 401 with a Basic challenge for %s', async (_label, auth) => {
      const res = await req('PROPFIND', '/dav/', { auth, headers: { depth: '0' } });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="d1"/);
    });

    it.each([
      ['GET', '/dav/perm.txt', {}, 200],
      ['HEAD', '/dav/perm.txt', {}, 200],
      ['OPTIONS', '/dav/', {}, 200],
      ['PROPFIND', '/dav/', { depth: '1' }, 207],
    ])('lets a read-only principal %s', async (method, url, headers, status) => {
      expect((await req(method, url, { auth: RO, headers })).status).toBe(status);
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
    ])('refuses %s %s to a read-only principal with 403', async (method, url, headers) => {
      const res = await req(method, url, {
        auth: RO,
        headers,
        body: method === 'PUT' ? 'changed' : undefined,
      });
      expect(res.status).toBe(403);
    });

    it('left the disk untouched after the refused writes', () => {
      expect(readFileSync(onDisk('perm.txt'), 'utf8')).toBe('original');
      for (const name of ['ro-new.txt', 'ro-dir', 'ro-copy.txt', 'ro-moved.txt']) {
        expect(existsSync(onDisk(name))).toBe(false);
      }
    });
  });

  describe('file operations land on disk', () => {
    it('PUT, GET, MKCOL, COPY, MOVE, DELETE and PROPFIND', async () => {
      expect((await req('MKCOL', '/dav/docs', { auth: RW })).status).toBe(201);
      expect(readdirSync(server.rootDir)).toContain('docs');

      expect((await req('PUT', '/dav/docs/a.txt', { auth: RW, body: 'hello' })).status).toBe(201);
      expect(readFileSync(onDisk('docs/a.txt'), 'utf8')).toBe('hello');
      expect((await req('GET', '/dav/docs/a.txt', { auth: RW })).body).toBe('hello');

      const copy = await req('COPY', '/dav/docs/a.txt', {
        auth: RW,
        headers: { destination: `${server.origin}/dav/docs/b.txt` },
      });
      expect(copy.status).toBe(201);
      expect(readFileSync(onDisk('docs/b.txt'), 'utf8')).toBe('hello');

      const move = await req('MOVE', '/dav/docs/b.txt', { auth: RW, headers: { destination: '/dav/c.txt' } });
      expect(move.status).toBe(201);
      expect(existsSync(onDisk('docs/b.txt'))).toBe(false);
      expect(readFileSync(onDisk('c.txt'), 'utf8')).toBe('hello');

      const listing = await req('PROPFIND', '/dav/docs/', { auth: RW, headers: { depth: '1' } });
      expect(listing.status).toBe(207);
      expect(listing.body).toContain('<D:href>/dav/docs/a.txt</D:href>');
      expect(listing.body).toContain('<D:getcontentlength>5</D:getcontentlength>');

      expect((await req('DELETE', '/dav/docs', { auth: RW })).status).toBe(200);
      expect(existsSync(onDisk('docs'))).toBe(false);
    });

    it('reports every change to the host', async () => {
      const root = server.rootDir;
      expect(server.changes).toEqual(
        expect.arrayContaining([
          { absPath: path.join(root, 'docs/a.txt'), kind: 'modified' },
          { absPath: path.join(root, 'docs/b.txt'), kind: 'modified' },
          { absPath: path.join(root, 'docs/b.txt'), kind: 'moved', destAbsPath: path.join(root, 'c.txt') },
          { absPath: path.join(root, 'docs'), kind: 'deleted' },
        ]),
      );
    });

    it('keeps dead properties set with PROPPATCH', async () => {
      await req('PUT', '/dav/props.txt', { auth: RW, body: 'p' });
      const patch = await req('PROPPATCH', '/dav/props.txt', {
        auth: RW,
        body:
          '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="http://example.com/ns/">' +
          '<D:set><D:prop><Z:colour>blue</Z:colour></D:prop></D:set></D:propertyupdate>',
      });
      expect(patch.status).toBe(207);
      const found = await req('PROPFIND', '/dav/props.txt', {
        auth: RW,
        headers: { depth: '0' },
        body:
          '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>' +
          '<colour xmlns="http://example.com/ns/"/></D:prop></D:propfind>',
      });
      expect(found.body).toContain('<colour xmlns="http://example.com/ns/">blue</colour>');
    });

    it('enforces locks: writes need the lock token, UNLOCK answers 204', async () => {
      await req('PUT', '/dav/locked.txt', { auth: RW, body: 'v1' });
      const lock = await req('LOCK', '/dav/locked.txt', { auth: RW, body: LOCK_BODY });
      expect(lock.status).toBe(200);
      const token = String(lock.headers['lock-token']);
      expect(token).toMatch(/^<.+>$/);

      expect((await req('PUT', '/dav/locked.txt', { auth: RW, body: 'v2' })).status).toBe(423);
      expect((await req('DELETE', '/dav/locked.txt', { auth: RW })).status).toBe(423);
      const move = await req('MOVE', '/dav/locked.txt', { auth: RW, headers: { destination: '/dav/x.txt' } });
      expect(move.status).toBe(423);
      expect(readFileSync(onDisk('locked.txt'), 'utf8')).toBe('v1');

      const put = await req('PUT', '/dav/locked.txt', {
        auth: RW,
        headers: { if: `(${token})` },
        body: 'v2',
      });
      expect(put.status).toBeLessThan(300);
      expect(readFileSync(onDisk('locked.txt'), 'utf8')).toBe('v2');
      expect(
        (await req('UNLOCK', '/dav/locked.txt', { auth: RW, headers: { 'lock-token': token } })).status,
      ).toBe(204);
      expect((await req('DELETE', '/dav/locked.txt', { auth: RW })).status).toBe(200);
    });
  });

  describe('confinement', () => {
    let outside: string;

    beforeAll(() => {
      outside = path.join(server.sandbox, 'outside');
      mkdirSync(outside);
      writeFileSync(path.join(outside, 'secret.txt'), 'secret');
      writeFileSync(path.join(server.sandbox, 'sibling.txt'), 'sibling');
      symlinkSync(outside, onDisk('link-out'));
      symlinkSync(path.join(outside, 'secret.txt'), onDisk('link-secret'));
      mkdirSync(onDisk('tree'));
      writeFileSync(onDisk('tree/own.txt'), 'own');
      symlinkSync(outside, onDisk('tree/link-out'));
    });

    const sandboxSnapshot = () => ({
      outside: readdirSync(outside).sort(),
      secret: readFileSync(path.join(outside, 'secret.txt'), 'utf8'),
      sandbox: readdirSync(server.sandbox).sort(),
    });

    it.each([
      '/dav/../sibling.txt',
      '/dav/%2e%2e/sibling.txt',
      '/dav/%2E%2E/sibling.txt',
      '/dav/.%2e/sibling.txt',
      '/dav/a/../../sibling.txt',
      '/dav/..%2fsibling.txt',
      '/dav/%2e%2e%2fsibling.txt',
      '/dav/..%5csibling.txt',
      '/dav/..\\sibling.txt',
      '/dav/sibling.txt%00',
      '/dav/link-secret',
      '/dav/link-out/secret.txt',
      '/dav/link-out/new.txt',
    ])('refuses GET, PUT and DELETE of %s', async (rawPath) => {
      const before = sandboxSnapshot();
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await req(method, rawPath, { auth: RW, body: method === 'PUT' ? 'pwned' : undefined });
        expect([400, 403, 404]).toContain(res.status);
        expect(res.body).not.toContain('secret');
        expect(res.body).not.toContain('sibling');
      }
      expect(sandboxSnapshot()).toEqual(before);
    });

    it.each([
      '/dav/../escaped.txt',
      '/dav/%2e%2e/escaped.txt',
      '/dav/link-out/escaped.txt',
      `http://evil.example/dav/escaped.txt`,
      'http://127.0.0.1:1/dav/escaped.txt',
      '../escaped.txt',
    ])('refuses COPY and MOVE to Destination %s', async (destination) => {
      writeFileSync(onDisk('movable.txt'), 'movable');
      const before = sandboxSnapshot();
      for (const method of ['COPY', 'MOVE']) {
        const res = await req(method, '/dav/movable.txt', { auth: RW, headers: { destination } });
        expect(res.status).toBeGreaterThanOrEqual(400);
      }
      expect(sandboxSnapshot()).toEqual(before);
      expect(readFileSync(onDisk('movable.txt'), 'utf8')).toBe('movable');
    });

    it('never reads through, copies through or deletes through a symlink leading out', async () => {
      const before = sandboxSnapshot();
      const listing = await req('PROPFIND', '/dav/tree/', { auth: RW, headers: { depth: '1' } });
      expect(listing.status).toBe(207);
      expect(listing.body).not.toContain('secret.txt');

      const copy = await req('COPY', '/dav/tree/', { auth: RW, headers: { destination: '/dav/tree-copy/' } });
      expect(copy.status).toBeGreaterThanOrEqual(200);
      expect(existsSync(onDisk('tree-copy/link-out/secret.txt'))).toBe(false);

      await req('DELETE', '/dav/tree/', { auth: RW });
      expect(sandboxSnapshot()).toEqual(before);
    });
  });

  describe('requests that used to crash webdav-server 2.6.3', () => {
    it('answers a PROPPATCH with several set and remove blocks', async () => {
      await req('PUT', '/dav/multi.txt', { auth: RW, body: 'm' });
      const res = await req('PROPPATCH', '/dav/multi.txt', {
        auth: RW,
        body:
          '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">' +
          '<D:set><D:prop><Z:a>1</Z:a></D:prop></D:set><D:remove><D:prop><Z:b/></D:prop></D:remove>' +
          '<D:set><D:prop><Z:c>3</Z:c></D:prop></D:set><D:remove><D:prop><Z:a/></D:prop></D:remove>' +
          '</D:propertyupdate>',
      });
      expect(res.status).toBe(207);
      expect(res.body.match(/<D:response>/g)).toHaveLength(1);
    });

    it('answers an If header with a tagged list and a negated token', async () => {
      const res = await req('PUT', '/dav/multi.txt', {
        auth: RW,
        headers: { if: `<${server.origin}/dav/multi.txt> (Not <locktoken:x>)` },
        body: 'tagged',
      });
      expect(res.status).toBeLessThan(300);
      const missing = await req('PUT', '/dav/multi.txt', {
        auth: RW,
        headers: { if: `<${server.origin}/dav/multi.txt> (<locktoken:x>)` },
        body: 'never',
      });
      expect(missing.status).toBe(412);
      expect(readFileSync(onDisk('multi.txt'), 'utf8')).toBe('tagged');
    });

    it('is still serving afterwards', async () => {
      expect((await req('PROPFIND', '/dav/', { auth: RW, headers: { depth: '0' } })).status).toBe(207);
    });
  });
});
