import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { D1_CONFIG, D1Config } from '../app-config';
import { NotebookEvents } from '../events/notebook-events';
import { Observation, WatchEvent, classify, ignoredPath } from './watch-events';
import { WatchTree, entryInfo } from './watch-tree';

/** Quiet time that ends a burst of file events, and the longest a burst is held back. */
const DEBOUNCE_MS = 50;
const MAX_WAIT_MS = 250;

/**
 * Watches the root dir recursively and broadcasts `watchdog_event`s on /server/ws. Raw events are collected
 * per path and classified in debounced batches, so a burst on one file is one event, and a rename whose two
 * names both arrive in the batch is one `moved`.
 */
@Injectable()
export class WatchService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WatchService.name);
  private readonly tree = new WatchTree((p) => this.queue(p), this.logger);
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private firstAt = 0;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Resolves once the initial scan is done (tests wait for it). */
  ready: Promise<void> = Promise.resolve();

  constructor(
    private readonly events: NotebookEvents,
    @Inject(D1_CONFIG) private readonly config: D1Config,
  ) {}

  onApplicationBootstrap(): void {
    this.ready = this.tree.add(this.config.rootDir).then(() => undefined);
  }

  onModuleDestroy(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.tree.close();
  }

  private queue(path: string): void {
    if (this.closed || ignoredPath(this.config.rootDir, path)) return;
    if (this.pending.size === 0) this.firstAt = Date.now();
    this.pending.add(path);
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(DEBOUNCE_MS, this.firstAt + MAX_WAIT_MS - Date.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      const batch = [...this.pending];
      this.pending = new Set();
      // One batch at a time, so `known` is updated in the order things happened.
      this.flushing = this.flushing
        .then(() => this.flush(batch))
        .catch((err: Error) => {
          this.logger.warn(`file events lost: ${err.message}`);
        });
    }, wait);
    this.timer.unref();
  }

  private async flush(paths: string[]): Promise<void> {
    const batch: Observation[] = await Promise.all(
      paths.map(async (path) => ({
        path,
        before: this.tree.known.get(path) ?? null,
        after: await entryInfo(path),
      })),
    );
    if (this.closed) return;
    for (const o of batch) {
      if (o.after) this.tree.known.set(o.path, o.after);
      else this.tree.known.delete(o.path);
    }
    for (const e of classify(batch)) await this.apply(e);
  }

  /** Keeps the tree in step with a directory event, then broadcasts the event (and what a new dir holds). */
  private async apply(e: WatchEvent): Promise<void> {
    let inside: string[] = [];
    if (e.isDir && (e.event_type === 'deleted' || e.event_type === 'moved')) this.tree.forget(e.src_path);
    if (e.isDir && e.event_type === 'moved' && e.dest_path) {
      this.tree.forget(e.dest_path);
      await this.tree.add(e.dest_path);
    } else if (e.isDir && e.event_type === 'created') {
      inside = await this.tree.add(e.src_path);
    }
    if (e.event_type === 'moved' && e.dest_path) {
      const info = await entryInfo(e.dest_path);
      if (info) this.tree.known.set(e.dest_path, info);
    }
    this.send(e.event_type, e.src_path, e.dest_path);
    for (const path of inside) this.send('created', path, null);
  }

  private send(event_type: WatchEvent['event_type'], src_path: string, dest_path: string | null): void {
    if (!this.closed) this.events.emitServer({ watchdog_event: { event_type, src_path, dest_path } });
  }
}
