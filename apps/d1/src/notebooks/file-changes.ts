import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { notFound } from '../common/errors';
import { NotebookEvents } from '../events/notebook-events';
import { parseNotebookText, type FileStamp } from './notebook-files';
import type { OpenNotebook } from './open-notebook';

/** What clients were last told about one notebook's file. */
interface Told {
  /** The content hash (or 'deleted') of the external version clients were told about. */
  version: string;
  /** Whether an autosave held back since then was reported too (once is enough). */
  blockedSaveTold: boolean;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The file's stamp, null when it is gone. Hashing is skipped when mtime and size match a stamp already known,
 * so a check of an unchanged file costs one stat.
 */
export async function diskStamp(file: string, known: (FileStamp | null)[]): Promise<FileStamp | null> {
  let stat;
  try {
    stat = await fsp.stat(file);
  } catch {
    return null;
  }
  const same = known.find((k) => k && k.mtimeMs === stat.mtimeMs && k.size === stat.size);
  if (same) return same;
  const bytes = await fsp.readFile(file).catch(() => null);
  return bytes ? { hash: sha256(bytes), mtimeMs: stat.mtimeMs, size: stat.size } : null;
}

/**
 * Reads a notebook file with the stamp of exactly the bytes read: the mtime comes from the open descriptor
 * before reading, so a write landing meanwhile leaves a newer mtime and is noticed. 404/400 as for opening.
 */
export async function readStamped(file: string): Promise<{ json: unknown; stamp: FileStamp }> {
  const handle = await fsp.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' || err.code === 'ENOTDIR' ? notFound('File not found') : err;
  });
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw notFound('File not found');
    const bytes = await handle.readFile();
    const stamp = { hash: sha256(bytes), mtimeMs: stat.mtimeMs, size: bytes.length };
    return { json: parseNotebookText(bytes.toString('utf8')), stamp };
  } finally {
    await handle.close();
  }
}

/**
 * Tells d1's own writes from everyone else's (SPEC §6). A notebook's file counts as changed by someone else
 * when its content differs from what d1 last wrote or loaded (`lastWrite`); clients then get
 * `notebook_file_changed` once per external version, and autosave holds off until a reload or save_as.
 * Every method runs inside the notebook's saver (`Debouncer.exclusive` or the write task itself), so a check
 * never sees one of d1's own writes half done.
 */
@Injectable()
export class NotebookFileChanges {
  private readonly logger = new Logger('Notebooks');
  private readonly told = new Map<string, Told>();
  /** The last external version seen per notebook, to wait until a writer is done (see `inspect`). */
  private readonly seen = new Map<string, FileStamp | null>();

  constructor(private readonly events: NotebookEvents) {}

  /**
   * Compares the file with `lastWrite`: 'same', 'told' (a new external version, just reported) or 'known' (a
   * version already reported, or not yet settled). A change is reported once `settled`: the writer is known
   * to be done (a WebDAV request finished, an autosave is due), or the poll saw the same version twice.
   */
  async inspect(nb: OpenNotebook, settled: boolean): Promise<'same' | 'told' | 'known'> {
    if (!nb.path || !nb.lastWrite || nb.closed) return 'same';
    const wasSeen = this.seen.has(nb.uuid);
    const previous = this.seen.get(nb.uuid) ?? null;
    const current = await diskStamp(nb.path, [nb.lastWrite, previous]);
    if (current?.hash === nb.lastWrite.hash) {
      // Same bytes with a new mtime (touch, a client re-uploading unchanged content): nothing to report.
      nb.lastWrite = current;
      this.seen.delete(nb.uuid);
      return 'same';
    }
    this.seen.set(nb.uuid, current);
    const version = current?.hash ?? 'deleted';
    const stable = settled || (wasSeen && (previous?.hash ?? 'deleted') === version);
    if (!stable || this.told.get(nb.uuid)?.version === version) return 'known';
    this.told.set(nb.uuid, { version, blockedSaveTold: false });
    this.tell(nb);
    return 'told';
  }

  /** The autosave guard: false (and clients told, once) when the file holds someone else's version. */
  async mayWrite(nb: OpenNotebook): Promise<boolean> {
    if (!nb.lastWrite) return true; // nothing written or loaded yet under this path: nothing to overwrite
    // Not settled: an autosave may look while someone is still writing; the poll reports once they are done.
    const state = await this.inspect(nb, false);
    if (state === 'same') return true;
    const told = this.told.get(nb.uuid);
    // Clients learn that their edits are held back: with the change itself, or once after it.
    if (told && !told.blockedSaveTold) {
      told.blockedSaveTold = true;
      if (state === 'known') this.tell(nb);
      this.logger.warn(`not saving ${nb.path}: changed by someone else; reload or save_as resolves it`);
    }
    return false;
  }

  /** The file and the model agree again (reload, save_as): forget what was reported. */
  resolved(nb: OpenNotebook): void {
    this.told.delete(nb.uuid);
    this.seen.delete(nb.uuid);
  }

  /** Loads the file into the model (validated first); afterwards it counts as d1's own version again. */
  async reload(nb: OpenNotebook): Promise<void> {
    if (!nb.path) return;
    const { json, stamp } = await readStamped(nb.path);
    nb.model.replaceContent(json);
    // Edits waiting to be saved were made to the version just replaced.
    nb.saver.cancel();
    nb.lastWrite = stamp;
    this.resolved(nb);
  }

  /** Drops what is kept for a closed notebook. */
  forget(uuid: string): void {
    this.told.delete(uuid);
    this.seen.delete(uuid);
  }

  private tell(nb: OpenNotebook): void {
    this.events.emit(nb.uuid, { notebook_file_changed: { path: nb.path } });
  }
}
