import { StreamText } from './stream-text';

function render(chunks: string[], start?: string): StreamText {
  const stream = start === undefined ? new StreamText() : StreamText.resume(start);
  for (const chunk of chunks) stream.write(chunk);
  return stream;
}

describe('StreamText', () => {
  it.each<[string, string[], string]>([
    ['plain text', ['hello ', 'world\n'], 'hello world\n'],
    ['progress with \\r', ['10%\r20%\r30%\n'], '30%\n'],
    ['\\r\\n is a newline', ['a\r\nb\r\n'], 'a\nb\n'],
    ['\\r then \\n across chunks', ['a\r', '\nb'], 'a\nb'],
    [
      '\\r at chunk end, overwritten by the next chunk',
      ['Start\n', '50%\r', '75%\r', '100%\n', 'done'],
      'Start\n100%\ndone',
    ],
    ['overwrite is in place, like a terminal', ['abcdef\rxy'], 'xycdef'],
    ['\\r keeps finished lines', ['line1\nline2\rLINE'], 'line1\nLINE2'],
    ['backspace deletes', ['abc\b\bd'], 'ad'],
    ['backspace across chunks', ['abc', '\b', '\bX\n'], 'aX\n'],
    ['backspace stops at column 0', ['a\n\b\bb'], 'a\nb'],
    ['backspace after \\r', ['abc\r\bX'], 'Xbc'],
    ['backspace in the middle of a line', ['abcd\r', 'xy\bZ'], 'xZd'],
    ['spinner', ['|\b/\b-\b\\\bdone\n'], 'done\n'],
    ['tqdm-style bar', ['\r  0%|     |', '\r 50%|##   |', '\r100%|#####|', '\n'], '100%|#####|\n'],
    ['ANSI escapes stay literal', ['\x1b[31mred\x1b[0m'], '\x1b[31mred\x1b[0m'],
    ['empty chunks', ['', 'a', ''], 'a'],
    ['cursor-only chunk', ['\r'], ''],
  ])('%s', (_name, chunks, expected) => {
    expect(render(chunks).text).toBe(expected);
  });

  it('resumes stored text with the cursor at its end', () => {
    expect(render(['X\rY'], 'old\npartial').text).toBe('old\nYartialX');
    expect(render(['\b\bZ\n'], 'a\nbcd').text).toBe('a\nbZ\n');
  });

  it.each<[string, string[]]>([
    ['ascii', ['abc\n', 'de\rf']],
    ['multi-byte', ['héllo wörld €\n', '日本\r語', '\b😀']],
  ])('counts UTF-8 bytes incrementally (%s)', (_name, chunks) => {
    const stream = render(chunks);
    expect(stream.bytes).toBe(Buffer.byteLength(stream.text, 'utf8'));
  });

  it('rolls back to a saved state', () => {
    const stream = render(['a\nbc']);
    const saved = stream.save();
    stream.write('\rXYZ\nmore');
    stream.restore(saved);
    expect(stream.text).toBe('a\nbc');
    stream.write('d\n');
    expect(stream.text).toBe('a\nbcd\n');
    expect(stream.bytes).toBe(6);
  });

  it('handles a million lines in small chunks', () => {
    const stream = new StreamText();
    const started = Date.now();
    for (let i = 0; i < 1_000_000; i++) stream.write(`line ${i}\n`);
    console.log(`1,000,000 stream lines in ${Date.now() - started} ms`);
    const text = stream.text;
    expect(text.startsWith('line 0\nline 1\n')).toBe(true);
    expect(text.endsWith('line 999999\n')).toBe(true);
    expect(stream.bytes).toBe(text.length);
  });
});
