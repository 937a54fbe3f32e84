// Controls interpreted in stream text; everything else is written as is (ANSI escapes included).
const CONTROL_RE = /[\r\n\b]/g;

/** Saved state of a StreamText, for rolling back a write that would break the output cap. */
export type StreamTextState = {
  readonly done: string;
  readonly doneBytes: number;
  readonly line: string;
  readonly lineBytes: number;
  readonly col: number;
};

/** UTF-8 length of a string, without allocating. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Stream text as a terminal would show it. Finished lines are frozen in `done`, so a chunk only touches
 * the current line: `\r` moves the cursor to column 0 (later text overwrites from there, `\r\n` stays a
 * plain newline), `\b` deletes the character before the cursor. Cost is proportional to the chunk (plus
 * the current line when overwriting), never to everything printed before.
 */
export class StreamText {
  private done = '';
  private doneBytes = 0;
  private line = '';
  private lineBytes = 0;
  private col = 0;

  /** Resumes from text stored earlier (e.g. loaded from a file): the cursor sits at its very end. */
  static resume(text: string): StreamText {
    const stream = new StreamText();
    const cut = text.lastIndexOf('\n') + 1;
    stream.done = text.slice(0, cut);
    stream.doneBytes = utf8Bytes(stream.done);
    stream.line = text.slice(cut);
    stream.lineBytes = utf8Bytes(stream.line);
    stream.col = stream.line.length;
    return stream;
  }

  /** The text as displayed. */
  get text(): string {
    return this.done + this.line;
  }

  /** UTF-8 size of `text`. */
  get bytes(): number {
    return this.doneBytes + this.lineBytes;
  }

  /** Applies one chunk of kernel output. */
  write(chunk: string): void {
    let start = 0;
    CONTROL_RE.lastIndex = 0;
    for (let m = CONTROL_RE.exec(chunk); m !== null; m = CONTROL_RE.exec(chunk)) {
      this.put(chunk.slice(start, m.index));
      this.control(m[0]);
      start = m.index + 1;
    }
    this.put(chunk.slice(start));
  }

  /** Captures the current state (strings are immutable, so this is O(1)). */
  save(): StreamTextState {
    const { done, doneBytes, line, lineBytes, col } = this;
    return { done, doneBytes, line, lineBytes, col };
  }

  /** Returns to a state captured by save(). */
  restore(state: StreamTextState): void {
    ({ done: this.done, doneBytes: this.doneBytes, line: this.line } = state);
    ({ lineBytes: this.lineBytes, col: this.col } = state);
  }

  private put(segment: string): void {
    if (!segment) return;
    if (this.col === this.line.length) {
      this.line += segment;
      this.lineBytes += utf8Bytes(segment);
    } else {
      const end = this.col + segment.length;
      const replaced = this.line.slice(this.col, end);
      this.line = this.line.slice(0, this.col) + segment + this.line.slice(end);
      this.lineBytes += utf8Bytes(segment) - utf8Bytes(replaced);
    }
    this.col += segment.length;
  }

  private control(char: string): void {
    if (char === '\n') {
      this.done += this.line + '\n';
      this.doneBytes += this.lineBytes + 1;
      this.line = '';
      this.lineBytes = 0;
      this.col = 0;
    } else if (char === '\r') {
      this.col = 0;
    } else if (this.col > 0) {
      const removed = this.line.slice(this.col - 1, this.col);
      this.line = this.line.slice(0, this.col - 1) + this.line.slice(this.col);
      this.lineBytes -= utf8Bytes(removed);
      this.col -= 1;
    }
  }
}
