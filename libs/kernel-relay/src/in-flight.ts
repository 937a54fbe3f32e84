/** One request sent to a kernel that has not finished yet; `lose` ends it for good. */
interface Entry {
  lose(): void;
}

/**
 * The requests a kernel connection has sent and still waits on, in the order they were sent. Shell requests
 * are handled one at a time and in order, so once a later request is answered every earlier one still
 * listed here lost its reply or idle status and can be ended.
 */
export class InFlight {
  private readonly entries = new Map<string, Entry>();

  /** Records a request; `lose` settles it as lost (it is called at most once). */
  add(msgId: string, lose: () => void): void {
    this.entries.set(msgId, { lose });
  }

  /** Forgets a request that finished (or failed) by itself. */
  delete(msgId: string): void {
    this.entries.delete(msgId);
  }

  /** The requests waiting now, to be ended later if they are still waiting then. */
  snapshot(): Array<[string, Entry]> {
    return [...this.entries.entries()];
  }

  /** Ends each request of `earlier` that still waits; returns how many did. */
  loseStill(earlier: Array<[string, Entry]>): number {
    let lost = 0;
    for (const [msgId, entry] of earlier) {
      if (this.entries.get(msgId) !== entry) continue;
      this.entries.delete(msgId);
      entry.lose();
      lost++;
    }
    return lost;
  }

  /** How many requests wait. */
  get size(): number {
    return this.entries.size;
  }
}
