import { spawn } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { run } from './dav-process';

/** Why davfs2 cannot mount on this machine, or null when it can. */
export function davfsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  if (!existsSync('/usr/sbin/mount.davfs')) return 'davfs2 is not installed (scripts/setup.sh --test does)';
  return null;
}

/**
 * Mounts `url` with davfs2 at `<workDir>/mnt`; resolves with the mount point. Credentials come from a secrets
 * file so mount.davfs never prompts. davfs2 1.6 on Linux >= 6.16 fails every directory read with EINVAL unless
 * `buf_size` is raised to 64 KiB (https://github.com/alisarctl/davfs2/issues/22). No cache_dir here:
 * mount.davfs drops to its own user, which cannot enter a private temp dir.
 */
export async function mountDavfs(url: string, user: string, password: string, workDir: string) {
  const conf = path.join(workDir, 'davfs2');
  const mountPoint = path.join(workDir, 'mnt');
  await fsp.mkdir(conf, { recursive: true });
  await fsp.mkdir(mountPoint, { recursive: true });
  await fsp.writeFile(path.join(conf, 'secrets'), `${url} ${user} ${password}\n`, { mode: 0o600 });
  const settings = [`secrets ${path.join(conf, 'secrets')}`, 'buf_size 64', 'delay_upload 0', 'ask_auth 0'];
  await fsp.writeFile(path.join(conf, 'davfs2.conf'), settings.join('\n') + '\n');
  const args = ['-t', 'davfs', url, mountPoint, '-o', `conf=${path.join(conf, 'davfs2.conf')}`];
  const result = await run('mount', args, { timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`mount.davfs failed: ${result.stderr || result.stdout}`);
  return mountPoint;
}

/** Unmounts, lazily if a plain umount does not finish (a crashed server must not leave a hung mount). */
export async function unmountDavfs(mountPoint: string): Promise<void> {
  const result = await run('umount', [mountPoint], { timeoutMs: 30_000 });
  if (result.code !== 0) await run('umount', ['-l', mountPoint]);
}

/**
 * Runs cadaver with `commands` on stdin. Credentials come from a `.netrc` in a private HOME, so the commands are
 * never taken for answers to a password prompt.
 */
export async function cadaver(url: string, user: string, password: string, home: string, commands: string[]) {
  await fsp.mkdir(home, { recursive: true });
  const host = new URL(url).hostname;
  await fsp.writeFile(path.join(home, '.netrc'), `machine ${host} login ${user} password ${password}\n`, {
    mode: 0o600,
  });
  return new Promise<string>((resolve, reject) => {
    const child = spawn('cadaver', [url], { env: { ...process.env, HOME: home }, cwd: home });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(output);
    });
    child.stdin.end([...commands, 'quit'].join('\n') + '\n');
  });
}
