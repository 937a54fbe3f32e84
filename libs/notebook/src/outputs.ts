import { StreamText, utf8Bytes } from './stream-text';
import type { JsonObject, MimeBundle, Output, StreamOutput } from './types';

/** Default cap on the outputs of one cell. */
export const DEFAULT_MAX_OUTPUT_BYTES = 2 * 1024 * 1024;

/** Notified when an output with a `display_id` appears in a cell, or when a cell no longer has any. */
export type DisplayTracker = {
  track(displayId: string): void;
  untrack(displayIds: Iterable<string>): void;
};

/** Human-readable size for the truncation marker, e.g. `2.0 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** The stderr output that closes a cell whose outputs hit the cap. */
export function truncationMarker(maxBytes: number): StreamOutput {
  const text = `\n[d1: output truncated: this cell exceeded the ${formatBytes(maxBytes)} output limit]\n`;
  return { output_type: 'stream', name: 'stderr', text };
}

type StreamCursor = { name: string; text: StreamText; index: number };

function outputBytes(output: Output): number {
  return output.output_type === 'stream' ? utf8Bytes(output.text) : utf8Bytes(JSON.stringify(output));
}

/**
 * The outputs of one code cell, with nbformat merging rules and a size cap. Output objects are never
 * mutated once stored (a change stores a new object), so snapshots may share them.
 */
export class CellOutputs {
  private items: Output[];
  // Sizes are computed lazily: a notebook loaded from disk should not pay for measuring every output.
  private sizes: number[] | null = null;
  private total = 0;
  // Only valid while its output is the last one (index = items.length: not stored yet, nothing visible).
  private stream: StreamCursor | null = null;
  private displays = new Map<string, number[]>();
  private clearPending = false;
  private truncated = false;

  constructor(
    items: readonly Output[],
    private readonly maxBytes: number,
    private readonly tracker: DisplayTracker,
  ) {
    this.items = [...items];
  }

  /** The current outputs (shared, read-only). */
  get list(): readonly Output[] {
    return this.items;
  }

  /** Appends stream text, merging into the last output when it is the same stream. True if anything changed. */
  appendStream(name: string, chunk: string): boolean {
    const cleared = this.applyPendingClear();
    if (this.truncated) return cleared;
    const sizes = this.sizesNow();
    const stream = this.currentStream(name);
    const isNew = stream.index === this.items.length;
    const oldBytes = isNew ? 0 : sizes[stream.index];
    const fits = this.writeWithinCap(stream.text, chunk, oldBytes);
    const text = stream.text.text;
    let changed = cleared;
    // A chunk that only moves the cursor changes nothing visible.
    if (isNew ? text !== '' : text !== (this.items[stream.index] as StreamOutput).text) {
      this.items[stream.index] = { output_type: 'stream', name, text };
      sizes[stream.index] = stream.text.bytes;
      this.total += stream.text.bytes - oldBytes;
      changed = true;
    }
    return fits ? changed : this.truncate() || changed;
  }

  /** Appends a display_data, execute_result or error output. True if anything changed. */
  append(output: Output, displayId?: string): boolean {
    const cleared = this.applyPendingClear();
    if (this.truncated) return cleared;
    const bytes = outputBytes(output);
    if (this.ensureSizes() + bytes > this.maxBytes) return this.truncate() || cleared;
    this.stream = null;
    this.items.push(output);
    this.sizesNow().push(bytes);
    this.total += bytes;
    if (displayId !== undefined) this.trackDisplay(displayId, this.items.length - 1);
    return true;
  }

  /** Replaces data and metadata of every output shown under `displayId`. True if anything changed. */
  updateDisplay(displayId: string, data: MimeBundle, metadata: JsonObject): boolean {
    const indices = this.displays.get(displayId);
    if (!indices) return false;
    const sizes = this.sizesNow();
    let changed = false;
    for (const i of indices) {
      const old = this.items[i];
      if (old.output_type !== 'display_data' && old.output_type !== 'execute_result') continue;
      const updated: Output = { ...old, data, metadata };
      const bytes = outputBytes(updated);
      if (this.total - sizes[i] + bytes > this.maxBytes) {
        changed = this.truncate() || changed;
        continue;
      }
      this.items[i] = updated;
      this.total += bytes - sizes[i];
      sizes[i] = bytes;
      changed = true;
    }
    return changed;
  }

  /** clear_output: now, or (wait) just before the next output arrives. True if anything changed now. */
  clear(wait: boolean): boolean {
    if (wait) {
      this.clearPending = true;
      return false;
    }
    this.clearPending = false;
    return this.reset();
  }

  /** Empties the outputs and forgets stream, display and cap state. True if there was anything to remove. */
  reset(): boolean {
    const hadItems = this.items.length > 0;
    this.tracker.untrack(this.displays.keys());
    this.items = [];
    this.sizes = [];
    this.total = 0;
    this.stream = null;
    this.displays = new Map();
    this.truncated = false;
    this.clearPending = false;
    return hadItems;
  }

  private applyPendingClear(): boolean {
    if (!this.clearPending) return false;
    return this.clear(false);
  }

  /** The stream state to write `name` into: the last output if it is that stream, else a new one. */
  private currentStream(name: string): StreamCursor {
    const lastIndex = this.items.length - 1;
    const current = this.stream;
    if (current && current.name === name && current.index >= lastIndex) return current;
    const last = this.items[lastIndex];
    if (last?.output_type === 'stream' && last.name === name) {
      // Output from an earlier life of the cell (file, undo): pick up where it ended.
      this.stream = { name, text: StreamText.resume(last.text), index: lastIndex };
    } else {
      this.stream = { name, text: new StreamText(), index: this.items.length };
    }
    return this.stream;
  }

  /** Writes the chunk, or as much of it as fits under the cap; false when something had to be left out. */
  private writeWithinCap(text: StreamText, chunk: string, oldBytes: number): boolean {
    const room = this.maxBytes - (this.total - oldBytes);
    const before = text.save();
    text.write(chunk);
    if (text.bytes <= room) return true;
    text.restore(before);
    // Every UTF-16 unit is at least one byte, so no longer prefix can fit; keep surrogate pairs whole.
    let cut = Math.max(0, room - oldBytes);
    if (cut > 0 && /[\uD800-\uDBFF]/.test(chunk[cut - 1])) cut -= 1;
    text.write(chunk.slice(0, cut));
    if (text.bytes > room) text.restore(before);
    return false;
  }

  private truncate(): boolean {
    if (this.truncated) return false;
    this.truncated = true;
    this.stream = null;
    this.items.push(truncationMarker(this.maxBytes));
    this.sizesNow().push(0);
    return true;
  }

  private trackDisplay(displayId: string, index: number): void {
    const indices = this.displays.get(displayId);
    if (indices) indices.push(index);
    else this.displays.set(displayId, [index]);
    this.tracker.track(displayId);
  }

  /** Measures stored outputs on first need; returns the total. */
  private ensureSizes(): number {
    if (this.sizes === null) {
      this.sizes = this.items.map(outputBytes);
      this.total = this.sizes.reduce((sum, n) => sum + n, 0);
    }
    return this.total;
  }

  private sizesNow(): number[] {
    this.ensureSizes();
    return this.sizes as number[];
  }
}
