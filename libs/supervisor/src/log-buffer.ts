/** Longest line kept; a child printing megabytes without a newline must not grow our memory. */
export const MAX_LINE_CHARS = 16 * 1024;

function clip(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
}

/** Keeps the last `capacity` lines in a ring. */
export class LogBuffer {
  private readonly lines: string[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  /** Adds one line, dropping the oldest when full. */
  push(line: string): void {
    if (this.capacity <= 0) return;
    if (this.lines.length < this.capacity) this.lines.push(line);
    else this.lines[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The last `n` lines (all kept lines by default), oldest first. */
  tail(n = this.capacity): string[] {
    const ordered =
      this.lines.length < this.capacity
        ? this.lines.slice()
        : [...this.lines.slice(this.next), ...this.lines.slice(0, this.next)];
    return n >= ordered.length ? ordered : ordered.slice(ordered.length - Math.max(0, n));
  }
}

/** Turns a stream of chunks into lines; `\r\n` and `\n` both end a line. */
export class LineSplitter {
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  /** Feeds a chunk; complete lines are reported at once, the rest waits for more. */
  write(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) this.onLine(clip(part.endsWith('\r') ? part.slice(0, -1) : part));
    if (this.partial.length > MAX_LINE_CHARS) {
      this.onLine(clip(this.partial));
      this.partial = '';
    }
  }

  /** Reports a last line that had no newline. */
  end(): void {
    if (this.partial) this.onLine(clip(this.partial));
    this.partial = '';
  }
}
