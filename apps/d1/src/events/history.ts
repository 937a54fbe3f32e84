import { TextFrame } from './ws-frame';

/**
 * One serialised notebook message. The JSON is built once; each wire form (plain, and with `"version"` for
 * `?since` clients) is encoded at most once, on first use, straight into a complete websocket frame, and that
 * one Buffer goes to every client (see TextFrame): 1000 clients share one copy instead of holding 1000.
 */
export class Serialized {
  private plainFrameCache: TextFrame | null = null;
  private versionedFrameCache: TextFrame | null = null;

  constructor(
    readonly version: number,
    private readonly json: string,
  ) {}

  /** The message as sent to clients without `?since`. */
  get plain(): Buffer {
    return this.plainFrame.payload;
  }

  /** The message with `"version"` appended, for clients that connected with `?since`. */
  get versioned(): Buffer {
    return this.versionedFrame.payload;
  }

  /** `plain` as a websocket frame. */
  get plainFrame(): TextFrame {
    return (this.plainFrameCache ??= TextFrame.ofText(this.json));
  }

  /** `versioned` as a websocket frame. */
  get versionedFrame(): TextFrame {
    return (this.versionedFrameCache ??= TextFrame.ofText(
      `${this.json.slice(0, -1)},"version":${this.version}}`,
    ));
  }

  /** An estimate of the memory this entry pins (both forms, once encoded). */
  get size(): number {
    return this.json.length * 2 + 32;
  }
}

/** Serialises a single-key message once, for every client and every wire form. */
export function serialize(message: object, version: number): Serialized {
  return new Serialized(version, JSON.stringify(message));
}

/** Bounds of a notebook's replay history. */
export interface HistoryLimits {
  maxEntries: number;
  maxBytes: number;
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = { maxEntries: 5000, maxBytes: 16 * 1024 * 1024 };

/** A bounded buffer of a notebook's recent messages, for replay to clients that reconnect with `?since`. */
export class History {
  private entries: Serialized[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxEntries = DEFAULT_HISTORY_LIMITS.maxEntries,
    private readonly maxBytes = DEFAULT_HISTORY_LIMITS.maxBytes,
  ) {}

  /** Appends a message, dropping the oldest ones past the bounds (the newest is always kept). */
  push(entry: Serialized): void {
    this.entries.push(entry);
    this.bytes += entry.size;
    while (this.length > this.maxEntries || (this.bytes > this.maxBytes && this.length > 1)) {
      this.bytes -= this.entries[this.head].size;
      this.head++;
    }
    // Compact now and then rather than shift() per message, which is O(n) each time.
    if (this.head > 1024 && this.head > this.entries.length / 2) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Messages after `since`, or null when some of them were already dropped. */
  after(since: number, current: number): Serialized[] | null {
    if (since === current) return [];
    // A version from the future (e.g. seen before a restart of d1) cannot be caught up from: resync.
    if (since > current) return null;
    const oldest = this.length > 0 ? this.entries[this.head].version : current + 1;
    if (since + 1 < oldest) return null;
    // Versions are consecutive, so the first wanted entry sits at a known offset.
    return this.entries.slice(this.head + (since + 1 - oldest));
  }

  /** How many messages it holds. */
  get length(): number {
    return this.entries.length - this.head;
  }
}
