import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { badRequest } from '../common/errors';

/** The sentence every refused client path gets. */
export const OUTSIDE_ROOT = 'Path is outside the root directory';

/** True when `candidate` is `root` or below it (both absolute and normalised). */
export function isInside(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  return candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * The absolute path a client means: relative paths are taken from `rootReal`, absolute ones as they are.
 * Null when the result is lexically outside the root (`..` escapes, absolute paths elsewhere) or the text
 * holds a NUL byte, which no file name may contain.
 */
export function lexicalPath(rootReal: string, clientPath: string): string | null {
  if (clientPath.includes('\0')) return null;
  const absolute = path.isAbsolute(clientPath)
    ? path.resolve(clientPath)
    : path.resolve(rootReal, clientPath);
  return isInside(rootReal, absolute) ? absolute : null;
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

/**
 * Resolves a client path (filepath, directory, working_directory, or directory + filename) inside the root
 * dir; throws 400 "Path is outside the root directory" for anything that would leave it. Nothing is created.
 */
export async function confine(rootReal: string, clientPath: string): Promise<string> {
  const absolute = lexicalPath(rootReal, clientPath);
  const real = absolute === null ? null : await realPathInside(rootReal, absolute);
  if (real === null) throw badRequest(OUTSIDE_ROOT);
  return real;
}

/**
 * `Path(filename).with_suffix('.ipynb')` as d1 (Python) does it: the last suffix is replaced, a name
 * without one gets it; a leading dot does not start a suffix.
 */
export function withIpynbSuffix(filename: string): string {
  const dir = path.posix.dirname(filename);
  const base = path.posix.basename(filename);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 && dot < base.length - 1 ? base.slice(0, dot) : base;
  const name = `${stem}.ipynb`;
  return dir === '.' && !filename.startsWith('./') ? name : path.posix.join(dir, name);
}

/** The file stem d1 shows as a notebook's name: `a/b/koy.ipynb` -> `koy`. */
export function notebookName(filePath: string): string {
  return path.basename(filePath, path.extname(filePath));
}

/** The path of `absolute` relative to the root, as d1's upload returns it (POSIX separators). */
export function relativeToRoot(rootReal: string, absolute: string): string {
  return path.relative(rootReal, absolute).split(path.sep).join('/');
}
