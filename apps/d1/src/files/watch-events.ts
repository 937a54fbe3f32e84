import { basename } from 'node:path';

/** What d1 remembers of a file or directory under the root, to tell what an event did to it. */
export interface EntryInfo {
  dev: number;
  ino: number;
  isDir: boolean;
  mtimeMs: number;
  size: number;
}

/** A path the watcher reported, with what was known of it before and what is there now. */
export interface Observation {
  path: string;
  before: EntryInfo | null;
  after: EntryInfo | null;
}

/** One `watchdog_event` payload (plus whether it is a directory, for d1's own bookkeeping). */
export interface WatchEvent {
  event_type: 'created' | 'modified' | 'deleted' | 'moved';
  src_path: string;
  dest_path: string | null;
  isDir: boolean;
}

/** Finder litter, AppleDouble files and d1's own atomic-save temp files (`.<name>.<hex>.d1-tmp`). */
export function ignoredName(name: string): boolean {
  return name === '.DS_Store' || name.startsWith('._') || name.endsWith('.d1-tmp');
}

/** Whether any segment of a path below the root is ignored (so nothing inside an ignored dir is reported). */
export function ignoredPath(root: string, path: string): boolean {
  if (path === root) return false;
  const rel = path.slice(root.length + 1);
  return rel.split('/').some(ignoredName) || ignoredName(basename(path));
}

const sameEntry = (a: EntryInfo, b: EntryInfo): boolean => a.dev === b.dev && a.ino === b.ino;

function single(o: Observation): WatchEvent | null {
  const { path, before, after } = o;
  if (!before && after) return { event_type: 'created', src_path: path, dest_path: null, isDir: after.isDir };
  if (before && !after)
    return { event_type: 'deleted', src_path: path, dest_path: null, isDir: before.isDir };
  if (!before || !after || after.isDir) return null;
  // A new inode under the same name is an atomic save (write a temp file, rename it over): a modification.
  const changed = !sameEntry(before, after) || before.mtimeMs !== after.mtimeMs || before.size !== after.size;
  return changed ? { event_type: 'modified', src_path: path, dest_path: null, isDir: false } : null;
}

/**
 * Turns one debounced batch of observations into events, in the order the paths were first reported. A path
 * that vanished and one that appeared with the same inode are one `moved`; without that match (the old name
 * was never seen, or the file came from outside the root) they stay `deleted` and `created`.
 */
export function classify(batch: Observation[]): WatchEvent[] {
  const events = batch.map(single);
  for (let i = 0; i < batch.length; i++) {
    const created = events[i];
    const after = batch[i].after;
    if (created?.event_type !== 'created' || !after) continue;
    const j = events.findIndex(
      (e, k) => e?.event_type === 'deleted' && sameEntry(batch[k].before as EntryInfo, after),
    );
    if (j < 0) continue;
    events[j] = {
      event_type: 'moved',
      src_path: batch[j].path,
      dest_path: batch[i].path,
      isDir: after.isDir,
    };
    events[i] = null;
  }
  return events.filter((e): e is WatchEvent => e !== null);
}
