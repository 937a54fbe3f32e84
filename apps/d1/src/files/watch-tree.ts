import { Logger } from '@nestjs/common';
import { FSWatcher, Stats, watch } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EntryInfo, ignoredName } from './watch-events';

/** More directories than this are left unwatched (inotify watches are a per-user kernel resource). */
const MAX_DIRS = 20_000;

/** The parts of an lstat result the watcher compares; null when the path does not exist. */
export async function entryInfo(path: string): Promise<EntryInfo | null> {
  try {
    return toEntry(await lstat(path));
  } catch {
    return null;
  }
}

function toEntry(s: Stats): EntryInfo {
  return { dev: s.dev, ino: s.ino, isDir: s.isDirectory(), mtimeMs: s.mtimeMs, size: s.size };
}

/**
 * A recursive watch built from one non-recursive `fs.watch` (inotify) per directory, plus what is known of every
 * entry, so events can be classified. Node 20's own recursive mode on Linux polls every file, so it is not used.
 * Symlinked directories are not followed. Watchers are not persistent: they never keep the process alive.
 */
export class WatchTree {
  readonly known = new Map<string, EntryInfo>();
  private readonly watchers = new Map<string, FSWatcher>();
  private warned = false;

  constructor(
    private readonly onPath: (path: string) => void,
    private readonly logger: Logger,
  ) {}

  /** Watches a directory and everything below it; returns the paths found (for `created` of a new dir). */
  async add(dir: string, found: string[] = []): Promise<string[]> {
    if (this.watchers.has(dir) || !this.watch(dir)) return found;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return found;
    }
    for (const name of names) {
      if (ignoredName(name)) continue;
      const path = join(dir, name);
      const info = await entryInfo(path);
      if (!info || this.known.has(path)) continue;
      this.known.set(path, info);
      found.push(path);
      if (info.isDir) await this.add(path, found);
    }
    return found;
  }

  /** Forgets a path and, for a directory, everything below it, closing their watchers. */
  forget(path: string): void {
    const prefix = path + '/';
    for (const p of [...this.known.keys()]) if (p === path || p.startsWith(prefix)) this.known.delete(p);
    for (const [d, w] of [...this.watchers]) {
      if (d === path || d.startsWith(prefix)) {
        w.close();
        this.watchers.delete(d);
      }
    }
  }

  /** Stops every watcher. */
  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.known.clear();
  }

  private watch(dir: string): boolean {
    if (this.watchers.size >= MAX_DIRS) return this.warnOnce(`more than ${MAX_DIRS} directories`);
    try {
      const w = watch(dir, { persistent: false }, (_type, name) => {
        if (name && !ignoredName(name.toString())) this.onPath(join(dir, name.toString()));
      });
      w.on('error', () => this.forget(dir));
      this.watchers.set(dir, w);
      return true;
    } catch (err) {
      return this.warnOnce(`${dir}: ${(err as Error).message}`);
    }
  }

  private warnOnce(why: string): false {
    if (!this.warned) this.logger.warn(`file watching incomplete: ${why}`);
    this.warned = true;
    return false;
  }
}
