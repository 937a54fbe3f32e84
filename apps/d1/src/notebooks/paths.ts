import * as path from 'node:path';
import { badRequest } from '../common/errors';
import { isInside, realPathInside } from '../common/root-path';

export { isInside, realPathInside };

/** The sentence every refused client path gets. */
export const OUTSIDE_ROOT = 'Path is outside the root directory';

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
 * `Path(filename).with_suffix('.ipynb')` as the original d1 does it: the last suffix is replaced, a name
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
