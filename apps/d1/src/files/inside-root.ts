import { constants as C, existsSync, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { isInside } from '../common/root-path';

/**
 * File operations that hold whatever they touch inside the root dir even while someone swaps directories and
 * symlinks under them. Checking a name and then opening it races (the name can lead elsewhere by the time it
 * is opened), so what is checked is the open descriptor itself: its real path, read from /proc/self/fd/N.
 * Node has no openat()/unlinkat()/renameat(), but a path through /proc/self/fd/N of an open directory reaches
 * the directory that was opened and checked, whatever happens to its name afterwards; creating, removing and
 * renaming one entry there (names never follow a final symlink in those calls) therefore stays inside.
 */

const PROC_FD = '/proc/self/fd';

/** Whether this system can tell where a descriptor points (Linux /proc). */
export function descriptorPathsAvailable(): boolean {
  return existsSync(PROC_FD);
}

/** Where an open descriptor really is: the path the kernel resolved when it was opened (and since renames). */
function realPathOf(handle: FileHandle): Promise<string> {
  return fsp.readlink(`${PROC_FD}/${handle.fd}`);
}

/** Thrown when what was opened lies outside the root dir. */
export class OutsideRootError extends Error {
  constructor() {
    super('Outside the root directory');
  }
}

/** Opens `absolute` with `flags` and keeps it only when the opened file lies inside `rootReal`. */
export async function openInside(rootReal: string, absolute: string, flags: number): Promise<FileHandle> {
  const handle = await fsp.open(absolute, flags | C.O_NOCTTY);
  try {
    if (!isInside(rootReal, await realPathOf(handle))) throw new OutsideRootError();
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** An open directory checked to lie inside the root dir; its entries are reached through `entry(name)`. */
export class InsideDir {
  private constructor(private readonly handle: FileHandle) {}

  /** Opens the directory `absolute` (following symlinks) and checks where it really is. */
  static async open(rootReal: string, absolute: string): Promise<InsideDir> {
    return new InsideDir(await openInside(rootReal, absolute, C.O_RDONLY | C.O_DIRECTORY));
  }

  /** A path to the entry `name` of this very directory; `name` must be a single path segment. */
  entry(name: string): string {
    if (name === '' || name === '.' || name === '..' || name.includes('/')) throw new OutsideRootError();
    return `${PROC_FD}/${this.handle.fd}/${name}`;
  }

  /** A path to the directory itself (to list it). */
  get self(): string {
    return `${PROC_FD}/${this.handle.fd}`;
  }

  /** Flushes the directory (after a rename into it), so the new entry survives a crash. */
  sync(): Promise<void> {
    return this.handle.sync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Runs `fn` with the checked directory `absolute`, closing it afterwards. */
export async function withDir<T>(
  rootReal: string,
  absolute: string,
  fn: (dir: InsideDir) => Promise<T>,
): Promise<T> {
  const dir = await InsideDir.open(rootReal, absolute);
  try {
    return await fn(dir);
  } finally {
    await dir.close();
  }
}

/** The parent directory and last name of a path below the root; null for the root itself. */
export function splitParent(rootReal: string, segments: string[]): { parent: string; name: string } | null {
  if (segments.length === 0) return null;
  return { parent: path.join(rootReal, ...segments.slice(0, -1)), name: segments[segments.length - 1] };
}
