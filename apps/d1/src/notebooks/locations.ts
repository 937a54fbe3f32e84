import * as path from 'node:path';
import { badRequest, notFound } from '../common/errors';
import { exists, isDirectory } from './notebook-files';
import { confine, realPathInside, withIpynbSuffix } from './paths';

/** Where `filename` + `directory` put a notebook file (d1's format_file_path), confined to the root. */
export async function fileTarget(rootReal: string, filename: string, directory?: string): Promise<string> {
  const dir = await confine(rootReal, directory ?? '');
  return confine(rootReal, path.join(dir, withIpynbSuffix(filename)));
}

/**
 * d1's checks before writing a new file: 404 "Directory does not exist <dir>", then 400 "File already
 * exists" unless an existing file is allowed.
 */
export async function checkTarget(file: string, allowExisting: boolean): Promise<void> {
  const dir = path.dirname(file);
  if (!(await isDirectory(dir))) throw notFound(`Directory does not exist ${dir}`);
  if (!allowExisting && (await exists(file))) throw badRequest('File already exists');
}

/**
 * d1's working directory precedence: the parameter (which must be an existing directory), then the
 * notebook's recorded `working_directory` if it still exists inside the root, then `fallback` (the
 * notebook's directory, or the root for a notebook only in memory).
 */
export async function chooseWorkingDirectory(
  rootReal: string,
  param: string | undefined,
  recorded: unknown,
  fallback: string,
): Promise<string> {
  if (param !== undefined && param !== '') {
    const dir = await confine(rootReal, param);
    if (!(await isDirectory(dir))) throw notFound(`Directory does not exist ${dir}`);
    return dir;
  }
  if (typeof recorded === 'string' && path.isAbsolute(recorded) && (await isDirectory(recorded))) {
    const real = await realPathInside(rootReal, path.resolve(recorded));
    if (real !== null) return real;
  }
  return fallback;
}

/**
 * Files being created right now. The disk check alone lets two concurrent requests (or one arriving before
 * the first autosave) create the same file; a name already open, or being created, is taken as well.
 */
export class NewFiles {
  private readonly pending = new Set<string>();

  /** Runs `create` once `file` is known to be free (d1's 404/400 checks), holding the name meanwhile. */
  async create<T>(
    file: string,
    allowExisting: boolean,
    isOpen: (file: string) => boolean,
    create: () => Promise<T>,
  ): Promise<T> {
    await checkTarget(file, allowExisting);
    if (!allowExisting && (this.pending.has(file) || isOpen(file))) throw badRequest('File already exists');
    this.pending.add(file);
    try {
      return await create();
    } finally {
      this.pending.delete(file);
    }
  }
}
