import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { davRequest, type DavRequestOptions } from './support/dav-client';
import { PASSWORD, startDavServer, type DavTestServer } from './support/dav-server';

const RW: [string, string] = ['rw', PASSWORD];

/**
 * The dav plugin on a bare Fastify: what only the plugin's own interface shows (the changes it reports to its
 * host) and regressions for requests that crashed webdav-server 2.6.3. Credentials, the permission matrix,
 * confinement and real clients are tested through the app (test/dav-app, dav-litmus, dav-davfs).
 */
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
