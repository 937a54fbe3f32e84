/**
 * Mounts /dav/ with davfs2 (the kernel's FUSE, so it needs root and /dev/fuse; it is skipped otherwise) and works
 * on files through the mount like a user would, checking the result in the served root dir.
 *
 * davfs2 1.6 on Linux >= 6.16 fails every directory read with EINVAL ("ls: reading directory: Invalid argument")
 * unless `buf_size` is raised to 64 KiB, see https://github.com/alisarctl/davfs2/issues/22; the config below does.
 * Credentials come from a secrets file so mount.davfs never prompts.
 */
import { existsSync, promises as fsp, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { run } from './support/dav-process';
import { PASSWORD, startDavServer, type DavTestServer } from './support/dav-server';
import { waitFor } from './support/dav-wait';

const canMount = process.getuid?.() === 0 && existsSync('/dev/fuse') && existsSync('/usr/sbin/mount.davfs');

(canMount ? describe : describe.skip)('davfs2 mount of /dav/', () => {
  let server: DavTestServer;
  let mountPoint: string;
  let mounted = false;
  const onDisk = (relative: string) => path.join(server.rootDir, relative);

  beforeAll(async () => {
    server = await startDavServer();
    writeFileSync(onDisk('from-server.txt'), 'written on the server');
    const conf = path.join(server.sandbox, 'davfs2');
    mountPoint = path.join(server.sandbox, 'mnt');
    // No cache_dir here: mount.davfs drops to its own user, which cannot enter the private sandbox.
    await fsp.mkdir(conf);
    await fsp.mkdir(mountPoint);
    await fsp.writeFile(path.join(conf, 'secrets'), `${server.davUrl} rw ${PASSWORD}\n`, { mode: 0o600 });
    await fsp.writeFile(
      path.join(conf, 'davfs2.conf'),
      [
        `secrets ${path.join(conf, 'secrets')}`,
        'buf_size 64',
        'delay_upload 0',
        'ask_auth 0',
        'use_locks 1',
      ].join('\n') + '\n',
    );
    const result = await run('mount', [
      '-t',
      'davfs',
      server.davUrl,
      mountPoint,
      '-o',
      `conf=${path.join(conf, 'davfs2.conf')}`,
    ]);
    if (result.code !== 0) throw new Error(`mount.davfs failed: ${result.stderr || result.stdout}`);
    mounted = true;
  }, 60_000);

  afterAll(async () => {
    if (mounted) {
      const result = await run('umount', [mountPoint], { timeoutMs: 30_000 });
      if (result.code !== 0) await run('umount', ['-l', mountPoint]);
    }
    expect(server.errors).toEqual([]);
    await server.close();
  }, 60_000);

  it('lists and reads what is on the server', async () => {
    expect(await fsp.readdir(mountPoint)).toContain('from-server.txt');
    expect(await fsp.readFile(path.join(mountPoint, 'from-server.txt'), 'utf8')).toBe(
      'written on the server',
    );
  });

  it('creates directories and copies files in', async () => {
    await fsp.mkdir(path.join(mountPoint, 'docs'));
    const local = path.join(server.sandbox, 'local.txt');
    await fsp.writeFile(local, 'copied through davfs2');
    await fsp.copyFile(local, path.join(mountPoint, 'docs', 'copied.txt'));
    await waitFor('the copy to reach the root dir', () =>
      existsSync(onDisk('docs/copied.txt'))
        ? readFileSync(onDisk('docs/copied.txt'), 'utf8') === 'copied through davfs2'
        : false,
    );
  });

  it('renames files', async () => {
    await fsp.rename(path.join(mountPoint, 'docs', 'copied.txt'), path.join(mountPoint, 'renamed.txt'));
    await waitFor('the rename to reach the root dir', () => existsSync(onDisk('renamed.txt')));
    expect(existsSync(onDisk('docs/copied.txt'))).toBe(false);
    expect(readFileSync(onDisk('renamed.txt'), 'utf8')).toBe('copied through davfs2');
  });

  it('overwrites files in place', async () => {
    await fsp.writeFile(path.join(mountPoint, 'renamed.txt'), 'edited through davfs2');
    await waitFor(
      'the new content to reach the root dir',
      () => readFileSync(onDisk('renamed.txt'), 'utf8') === 'edited through davfs2',
    );
  });

  it('deletes files and directories', async () => {
    await fsp.unlink(path.join(mountPoint, 'renamed.txt'));
    await fsp.rmdir(path.join(mountPoint, 'docs'));
    await waitFor(
      'the deletions to reach the root dir',
      () => !existsSync(onDisk('renamed.txt')) && !existsSync(onDisk('docs')),
    );
  });
});
