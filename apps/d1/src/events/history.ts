/** One serialised notebook message: the plain text and the text carrying its version. */
export interface Serialized {
  version: number;
  plain: string;
  versioned: string;
}

/** Serialises a single-key message once, and once more with `"version"` appended for `?since` clients. */
export function serialize(message: Record<string, unknown>, version: number): Serialized {
  const plain = JSON.stringify(message);
  const versioned = `${plain.slice(0, -1)},"version":${version}}`;
  return { version, plain, versioned };
}

/** A bounded buffer of a notebook's recent messages, for replay to clients that reconnect with `?since`. */
export class History {
  private entries: Serialized[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxEntries = 5000,
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  /** Appends a message, dropping the oldest ones past the bounds. */
  push(entry: Serialized): void {
    this.entries.push(entry);
    this.bytes += entry.versioned.length;
    while (this.size() > this.maxEntries || (this.bytes > this.maxBytes && this.size() > 1)) {
      this.bytes -= this.entries[this.head].versioned.length;
      this.head++;
    }
    if (this.head > 1024 && this.head > this.entries.length / 2) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Messages after `since`, or null when some of them were already dropped. */
  after(since: number, current: number): Serialized[] | null {
    if (since >= current) return [];
    const oldest = this.size() > 0 ? this.entries[this.head].version : current + 1;
    if (since + 1 < oldest) return null;
    const out: Serialized[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      if (this.entries[i].version > since) out.push(this.entries[i]);
    }
    return out;
  }

  private size(): number {
    return this.entries.length - this.head;
  }
}
