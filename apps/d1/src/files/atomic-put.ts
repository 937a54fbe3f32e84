import { randomBytes } from 'node:crypto';
import { constants as C, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { v2 as webdav } from 'webdav-server';
import { BODY_TOO_LARGE } from './dav-errors';
import { InsideDir } from './inside-root';

/** Writes all of `chunk` (a write may take fewer bytes than asked). */
async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length;) {
    offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
  }
}

/**
 * The content of one PUT (or COPY), written the way d1 writes notebooks: into a temp file beside the target
 * (`.<name>.<hex>.d1-tmp`, created new, never through a symlink), flushed, then renamed over the target. A
 * client that stops halfway or sends more than `maxBytes` leaves the old file as it was; the rename replaces
 * the entry of the checked directory and follows no symlink, so nothing outside the root is ever written.
 */
class AtomicWriter extends Writable {
  private bytes = 0;
  private tempClosed = false;
  private committed = false;

  constructor(
    private readonly dir: InsideDir,
    private readonly temp: FileHandle,
    private readonly tempName: string,
    private readonly name: string,
    private readonly maxBytes: number,
    /** The empty file this request created just before (its inode): removed again if the write fails. */
    private readonly createdIno: number | null,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(BODY_TOO_LARGE);
    writeAll(this.temp, chunk).then(() => done(), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.commit().then(() => done(), done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.cleanUp().then(
      () => done(err),
      () => done(err),
    );
  }

  private async commit(): Promise<void> {
    await this.temp.sync();
    await this.temp.close();
    this.tempClosed = true;
    await fsp.rename(this.dir.entry(this.tempName), this.dir.entry(this.name));
    this.committed = true;
    await this.dir.sync().catch(() => undefined);
  }

  private async cleanUp(): Promise<void> {
    if (!this.tempClosed) await this.temp.close().catch(() => undefined);
    if (!this.committed) {
      await fsp.unlink(this.dir.entry(this.tempName)).catch(() => undefined);
      await this.removeCreated();
    }
    await this.dir.close().catch(() => undefined);
  }

  /** A failed PUT of a new file leaves no empty file behind (only the one it created, if still empty). */
  private async removeCreated(): Promise<void> {
    if (this.createdIno === null) return;
    const target = this.dir.entry(this.name);
    const stat = await fsp.lstat(target).catch(() => null);
    if (stat?.isFile() && stat.ino === this.createdIno && stat.size === 0)
      await fsp.unlink(target).catch(() => undefined);
  }
}

/**
 * A stream that replaces the entry `name` of the checked directory `dir` with what is written to it (see
 * AtomicWriter); it takes over `dir` and closes it. An existing regular file keeps its permissions.
 * `justCreated`: the request created the (empty) target a moment ago; a failed write removes it again.
 */
export async function openAtomicWrite(
  dir: InsideDir,
  name: string,
  maxBytes: number,
  justCreated = false,
): Promise<Writable> {
  const target = dir.entry(name);
  const existing = await fsp.lstat(target).catch(() => null);
  if (existing?.isDirectory()) throw webdav.Errors.ExpectedAFileResourceType;
  const mode = existing?.isFile() ? existing.mode & 0o7777 : 0o644;
  const tempName = `.${name.slice(0, 180)}.${randomBytes(6).toString('hex')}.d1-tmp`;
  const flags = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;
  const temp = await fsp.open(dir.entry(tempName), flags, 0o600);
  const createdIno = justCreated && existing?.isFile() && existing.size === 0 ? existing.ino : null;
  const writer = new AtomicWriter(dir, temp, tempName, name, maxBytes, createdIno);
  try {
    await temp.chmod(mode);
  } catch (err) {
    writer.destroy();
    throw err;
  }
  return writer;
}

/** Whether a directory entry is one of d1's temp files (not shown to clients). */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.d1-tmp');
}
