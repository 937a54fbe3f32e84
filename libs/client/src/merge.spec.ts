import { mergeText, textChanges } from './merge';

describe('mergeText (my unsent edit of a cell against theirs)', () => {
  it.each([
    ['nothing typed: theirs', 'a = 1', 'a = 1', 'a = 10', { text: 'a = 10', clean: true }],
    ['they changed nothing: mine', 'a = 1', 'a = 1\nb = 2', 'a = 1', { text: 'a = 1\nb = 2', clean: true }],
    ['both the same: that', 'a', 'ab', 'ab', { text: 'ab', clean: true }],
    [
      'edits in different lines both stay',
      'a = 1\nb = 2\n',
      'a = 1\nb = 2\nprint(b)\n',
      '# top\na = 1\nb = 2\n',
      { text: '# top\na = 1\nb = 2\nprint(b)\n', clean: true },
    ],
    [
      'non-ASCII text merges by characters',
      'é = "😀"\n',
      'é = "😀"\nx = é\n',
      '# ü\né = "😀"\n',
      { text: '# ü\né = "😀"\nx = é\n', clean: true },
    ],
  ])('%s', (_name, base, mine, theirs, want) => {
    expect(mergeText(base, mine, theirs)).toEqual(want);
  });

  it('keeps both texts whole when mine cannot be placed in theirs', () => {
    const base = 'def f():\n    return 1\n';
    const mine = 'def f():\n    return 2\n';
    const theirs = 'completely different text that shares nothing at all with the original';
    const got = mergeText(base, mine, theirs);
    expect(got.clean).toBe(false);
    expect(got.text).toContain(mine);
    expect(got.text).toContain(theirs);
  });
});

describe('textChanges', () => {
  it.each([
    ['abc', 'abXc'],
    ['hello world', 'hello'],
    ['x = 1\ny = 2', 'x = 10\nz = 2\n'],
    ['', 'new'],
    ['old', ''],
  ])('turns %j into %j', (from, to) => {
    const changes = textChanges(from, to);
    let text = from;
    for (const c of [...changes].reverse()) text = text.slice(0, c.from) + c.insert + text.slice(c.to);
    expect(text).toBe(to);
  });
});
