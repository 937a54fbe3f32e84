import { EntryInfo, classify, ignoredName, ignoredPath } from './watch-events';

const file = (ino: number, mtimeMs = 1, size = 1): EntryInfo => ({
  dev: 1,
  ino,
  isDir: false,
  mtimeMs,
  size,
});
const dir = (ino: number): EntryInfo => ({ dev: 1, ino, isDir: true, mtimeMs: 1, size: 0 });
const kinds = (batch: Parameters<typeof classify>[0]): string[] =>
  classify(batch).map((e) => `${e.event_type} ${e.src_path}${e.dest_path ? ` -> ${e.dest_path}` : ''}`);

describe('classify', () => {
  it('reports creations, deletions and content changes', () => {
    expect(
      kinds([
        { path: '/r/new', before: null, after: file(1) },
        { path: '/r/gone', before: file(2), after: null },
        { path: '/r/edited', before: file(3, 1), after: file(3, 2) },
        { path: '/r/same', before: file(4), after: file(4) },
        { path: '/r/flash', before: null, after: null },
      ]),
    ).toEqual(['created /r/new', 'deleted /r/gone', 'modified /r/edited']);
  });

  it('pairs a vanished and an appeared path with the same inode into one move', () => {
    expect(
      kinds([
        { path: '/r/a', before: file(5), after: null },
        { path: '/r/sub/b', before: null, after: file(5) },
        { path: '/r/c', before: dir(6), after: null },
        { path: '/r/d', before: null, after: dir(6) },
      ]),
    ).toEqual(['moved /r/a -> /r/sub/b', 'moved /r/c -> /r/d']);
  });

  it('keeps delete and create apart when the inodes differ', () => {
    expect(
      kinds([
        { path: '/r/a', before: file(5), after: null },
        { path: '/r/b', before: null, after: file(7) },
      ]),
    ).toEqual(['deleted /r/a', 'created /r/b']);
  });

  it('reads an atomic save (new inode under the same name) as a modification', () => {
    expect(kinds([{ path: '/r/nb.ipynb', before: file(8), after: file(9) }])).toEqual([
      'modified /r/nb.ipynb',
    ]);
  });

  it('ignores directory metadata changes', () => {
    expect(kinds([{ path: '/r/d', before: dir(1), after: { ...dir(1), mtimeMs: 5 } }])).toEqual([]);
  });
});

describe('ignored names', () => {
  it.each([
    ['.DS_Store', true],
    ['._foo', true],
    ['.nb.ipynb.a1b2c3d4e5f6.d1-tmp', true],
    ['nb.ipynb', false],
    ['.hidden', false],
  ])('%s', (name, ignored) => expect(ignoredName(name)).toBe(ignored));

  it('ignores everything inside an ignored directory', () => {
    expect(ignoredPath('/r', '/r/._x/y')).toBe(true);
    expect(ignoredPath('/r', '/r/x/y')).toBe(false);
    expect(ignoredPath('/r', '/r')).toBe(false);
  });
});
