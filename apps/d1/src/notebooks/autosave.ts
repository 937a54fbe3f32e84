/** How long after the last change a notebook is written, and the longest a busy notebook waits. */
export const AUTOSAVE_DELAY_MS = 100;
export const AUTOSAVE_MAX_WAIT_MS = 1000;

/**
 * Runs `task` once a burst of `schedule()` calls has been quiet for `delayMs`, but at least every
 * `maxWaitMs` while calls keep coming, so a notebook edited without pause is still saved. Runs never
 * overlap: a change made during a run schedules another one. `flush()` runs a pending task now.
 */
export class Debouncer {
  private timer: NodeJS.Timeout | null = null;
  private firstScheduledAt = 0;
  private dirty = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly delayMs = AUTOSAVE_DELAY_MS,
    private readonly maxWaitMs = AUTOSAVE_MAX_WAIT_MS,
  ) {}

  /** True while a change waits to be written or a write is running. */
  get pending(): boolean {
    return this.dirty || this.timer !== null;
  }

  /** Notes a change; the task runs after the quiet period. */
  schedule(): void {
    this.dirty = true;
    const now = Date.now();
    if (this.timer) {
      if (now - this.firstScheduledAt >= this.maxWaitMs) return;
      clearTimeout(this.timer);
    } else {
      this.firstScheduledAt = now;
    }
    const wait = Math.max(0, Math.min(this.delayMs, this.firstScheduledAt + this.maxWaitMs - now));
    this.timer = setTimeout(() => void this.flush(), wait);
  }

  /** Runs the task now if a change is pending; resolves once every run so far has finished. */
  flush(): Promise<void> {
    this.clearTimer();
    this.chain = this.chain.then(() => (this.dirty ? this.runOnce() : undefined));
    return this.chain;
  }

  /** Runs the task now (after any run in progress) and hands its failure to the caller. */
  run(): Promise<void> {
    this.clearTimer();
    this.dirty = false;
    const result = this.chain.then(() => this.task());
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Runs `fn` between runs of the task: after the one in progress, before the next (no write sees it half done). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.chain.then(fn);
    this.chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Forgets a pending change (the task will not run for it). */
  cancel(): void {
    this.clearTimer();
    this.dirty = false;
  }

  private async runOnce(): Promise<void> {
    this.dirty = false;
    try {
      await this.task();
    } catch (err) {
      this.onError(err);
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
