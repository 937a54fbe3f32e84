import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** True when `candidate` is `root` or below it (both absolute and normalised). */
export function isInside(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  return candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Follows every existing symlink of `absolute` (judging a path that does not exist yet by its nearest
 * existing ancestor) and returns the real path, or null when it leads outside `rootReal` or through a
 * dangling or looping symlink (writing through one would create a file wherever it points).
 */
export async function realPathInside(rootReal: string, absolute: string): Promise<string | null> {
  let candidate = absolute;
  const tail: string[] = [];
  for (;;) {
    try {
      const real = await fsp.realpath(candidate);
      return isInside(rootReal, real) ? path.join(real, ...tail.reverse()) : null;
    } catch (err) {
      if (errorCode(err) !== 'ENOENT' && errorCode(err) !== 'ENOTDIR') return null;
    }
    try {
      await fsp.lstat(candidate);
      return null; // exists but cannot be resolved: a dangling or looping symlink
    } catch {
      // does not exist: judge by the parent
    }
    const parent = path.dirname(candidate);
    if (parent === candidate || !isInside(rootReal, parent)) return null;
    tail.push(path.basename(candidate));
    candidate = parent;
  }
}
