/**
 * Real WebDAV clients against d1's /dav/: a davfs2 mount (kernel FUSE: needs root and /dev/fuse), cadaver
 * scripted on stdin (always, so a machine that cannot mount still runs a real client), and curl with a token.
 *
 * Tokens go through curl: davfs2, cadaver and litmus all use neon, which refuses credentials of 256 characters
 * or more ("rejected Basic challenge"), and d1's JWTs are longer, so those clients use the shared secret.
 */
import { existsSync, mkdtempSync, promises as fsp, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { useD1 } from './support/d1';
import { cadaver, davfsUnavailable, mountDavfs, unmountDavfs } from './support/dav-clients';
import { run } from './support/dav-process';
import { waitFor } from './support/wait';

const cannotMount = davfsUnavailable();

describe('WebDAV clients against d1 at /dav/', () => {
  const d1 = useD1();
  let work: string;
  const onDisk = (relative: string) => path.join(d1.rootDir, relative);
  const davUrl = () => `${d1.baseUrl}/dav/`;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'd1-dav-clients-'));
  });

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
  });

  if (cannotMount) {
    it(`davfs2 cannot mount here (${cannotMount}): only cadaver and curl run`, () => {
      process.stderr.write(`\n*** WARNING: davfs2 mount test NOT RUN: ${cannotMount} ***\n\n`);
    });
  }

  (cannotMount ? describe.skip : describe)('davfs2 mount with the shared secret', () => {
    let mountPoint = '';
    const inMount = (relative: string) => path.join(mountPoint, relative);

    beforeAll(async () => {
      writeFileSync(onDisk('from-server.txt'), 'written on the server');
      mountPoint = await mountDavfs(davUrl(), 'anyone', d1.secret, path.join(work, 'davfs'));
    }, 60_000);

    afterAll(async () => {
      if (mountPoint) await unmountDavfs(mountPoint);
    }, 60_000);

    it('lists and reads what is on the server', async () => {
      expect(await fsp.readdir(mountPoint)).toContain('from-server.txt');
      expect(await fsp.readFile(inMount('from-server.txt'), 'utf8')).toBe('written on the server');
    });

    it('creates directories and copies files in', async () => {
      await fsp.mkdir(inMount('docs'));
      const local = path.join(work, 'local.txt');
      await fsp.writeFile(local, 'copied through davfs2');
      await fsp.copyFile(local, inMount('docs/copied.txt'));
      await waitFor(
        () =>
          existsSync(onDisk('docs/copied.txt'))
            ? readFileSync(onDisk('docs/copied.txt'), 'utf8') === 'copied through davfs2'
            : false,
        'the copy to reach the root dir',
        15_000,
      );
    });

    it('renames files', async () => {
      await fsp.rename(inMount('docs/copied.txt'), inMount('renamed.txt'));
      await waitFor(() => existsSync(onDisk('renamed.txt')), 'the rename to reach the root dir', 15_000);
      expect(existsSync(onDisk('docs/copied.txt'))).toBe(false);
      expect(readFileSync(onDisk('renamed.txt'), 'utf8')).toBe('copied through davfs2');
    });

    it('overwrites files in place', async () => {
      await fsp.writeFile(inMount('renamed.txt'), 'edited through davfs2');
      await waitFor(
        () => readFileSync(onDisk('renamed.txt'), 'utf8') === 'edited through davfs2',
        'the new content to reach the root dir',
        15_000,
      );
    });

    it('deletes files and directories', async () => {
      await fsp.unlink(inMount('renamed.txt'));
      await fsp.rmdir(inMount('docs'));
      await waitFor(
        () => !existsSync(onDisk('renamed.txt')) && !existsSync(onDisk('docs')),
        'the deletions to reach the root dir',
        15_000,
      );
    });
  });

  it('cadaver makes a collection, uploads, copies, moves and deletes', async () => {
    const local = path.join(work, 'cadaver-local.txt');
    writeFileSync(local, 'sent by cadaver');
    const output = await cadaver(davUrl(), 'anyone', d1.secret, path.join(work, 'cadaver'), [
      'mkcol cad',
      `put ${local} cad/a.txt`,
      'copy cad/a.txt cad/b.txt',
      'move cad/b.txt cad/c.txt',
      'delete cad/a.txt',
      'get cad/c.txt ' + path.join(work, 'fetched.txt'),
    ]);
    expect(output).not.toMatch(/failed|Could not/i);
    expect(existsSync(onDisk('cad/a.txt'))).toBe(false);
    expect(existsSync(onDisk('cad/b.txt'))).toBe(false);
    expect(readFileSync(onDisk('cad/c.txt'), 'utf8')).toBe('sent by cadaver');
    expect(readFileSync(path.join(work, 'fetched.txt'), 'utf8')).toBe('sent by cadaver');
  });

  it('cadaver with a wrong password gets nothing', async () => {
    const output = await cadaver(davUrl(), 'anyone', 'wrong', path.join(work, 'cadaver-bad'), ['ls']);
    expect(output).toMatch(/Could not authenticate|rejected Basic challenge/);
  });

  it('curl works with a token as password and as user name', async () => {
    const token = await d1.token();
    const curl = (user: string, ...args: string[]) =>
      run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-u', user, ...args]);
    const url = (p: string) => `${davUrl()}${p}`;
    writeFileSync(path.join(work, 'curl.txt'), 'sent by curl');
    const steps: [string, string[], string][] = [
      [`x:${token}`, ['-X', 'MKCOL', url('jwt')], '201'],
      [`${token}:`, ['-T', path.join(work, 'curl.txt'), url('jwt/a.txt')], '201'],
      [`x:${token}`, ['-X', 'COPY', '-H', `Destination: ${url('jwt/b.txt')}`, url('jwt/a.txt')], '201'],
      [`${token}:`, ['-X', 'MOVE', '-H', `Destination: ${url('jwt/c.txt')}`, url('jwt/b.txt')], '201'],
      [`x:${token}`, ['-X', 'DELETE', url('jwt/a.txt')], '200'],
      [`x:${token}`, ['-X', 'PROPFIND', '-H', 'Depth: 1', url('jwt/')], '207'],
    ];
    for (const [user, args, status] of steps) {
      expect({ args, status: (await curl(user, ...args)).stdout }).toEqual({ args, status });
    }
    expect(readFileSync(onDisk('jwt/c.txt'), 'utf8')).toBe('sent by curl');
    expect(existsSync(onDisk('jwt/a.txt')) || existsSync(onDisk('jwt/b.txt'))).toBe(false);
  });
});
