import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { DavChange, DavService } from '../files/dav.service';
import { NotebookFileChanges } from './file-changes';
import { NotebooksService } from './notebooks.service';
import type { OpenNotebook } from './open-notebook';

/** How often the files of open notebooks are stat-ed. */
export const FILE_POLL_MS = 200;

/**
 * Notices when the file of an open notebook is changed by someone else: at once for WebDAV writes, and by a
 * stat of each open notebook's file every FILE_POLL_MS for any other writer (an editor, a shell, git). One
 * stat per notebook is cheaper and surer than watching directories that change with every save_as or rename.
 */
@Injectable()
export class NotebookFileWatch implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Notebooks');
  private readonly subscriptions: Subscription[] = [];
  private readonly checking = new Set<string>();
  /** Notebooks a WebDAV write touched while a check of theirs was running: checked again right after. */
  private readonly again = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly notebooks: NotebooksService,
    private readonly changes: NotebookFileChanges,
    private readonly dav: DavService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.sweep(), FILE_POLL_MS);
    this.timer.unref();
    this.subscriptions.push(
      this.dav.changes$.subscribe((change) => this.onDav(change)),
      this.notebooks.closed$.subscribe(({ nb }) => this.changes.forget(nb.uuid)),
    );
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.subscriptions) s.unsubscribe();
  }

  private sweep(): void {
    for (const nb of this.notebooks.all()) this.check(nb, false);
  }

  /** A finished WebDAV write is a settled change: no need to wait for a second look. */
  private onDav(change: DavChange): void {
    for (const nb of this.notebooks.all()) {
      if (nb.path && (nb.path === change.path || nb.path === change.dest)) this.check(nb, true);
    }
  }

  private check(nb: OpenNotebook, settled: boolean): void {
    if (!nb.path || !nb.lastWrite) return;
    if (this.checking.has(nb.uuid)) {
      if (settled) this.again.add(nb.uuid);
      return;
    }
    this.checking.add(nb.uuid);
    nb.saver
      .exclusive(() => this.changes.inspect(nb, settled))
      .catch((err: Error) => this.logger.warn(`checking ${nb.path} failed: ${err.message}`))
      .finally(() => {
        this.checking.delete(nb.uuid);
        if (this.again.delete(nb.uuid)) this.check(nb, true);
      });
  }
}
