import { createServer } from 'node:net';
import { LineSplitter, LogBuffer, MAX_LINE_CHARS } from './log-buffer';
import { freePort } from './port';

describe('LogBuffer', () => {
  it.each([
    [3, ['a', 'b'], undefined, ['a', 'b']],
    [3, ['a', 'b', 'c', 'd', 'e'], undefined, ['c', 'd', 'e']],
    [3, ['a', 'b', 'c', 'd', 'e'], 2, ['d', 'e']],
    [3, ['a', 'b', 'c', 'd'], 0, []],
    [3, ['a'], 10, ['a']],
    [0, ['a'], undefined, []],
  ])('capacity %i after %j, tail(%p) is %j', (capacity, lines, n, expected) => {
    const buffer = new LogBuffer(capacity);
    lines.forEach((line) => buffer.push(line));
    expect(buffer.tail(n)).toEqual(expected);
  });
});

describe('LineSplitter', () => {
  function split(chunks: string[]): string[] {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    chunks.forEach((chunk) => splitter.write(chunk));
    splitter.end();
    return lines;
  }

  it.each([
    [['one\ntwo\n'], ['one', 'two']],
    [
      ['on', 'e\r\ntw', 'o'],
      ['one', 'two'],
    ],
    [['\n\n'], ['', '']],
    [[''], []],
  ])('splits %j into %j', (chunks, expected) => {
    expect(split(chunks)).toEqual(expected);
  });

  it('cuts a line that never ends instead of growing without bound', () => {
    const lines = split(['x'.repeat(MAX_LINE_CHARS + 10), 'y'.repeat(10), '\n']);
    expect(lines.map((l) => l.length)).toEqual([MAX_LINE_CHARS + 1, 10]);
  });
});

describe('freePort', () => {
  it('returns a port that can be bound on loopback', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
    expect(port).toBeGreaterThan(0);
  });
});
