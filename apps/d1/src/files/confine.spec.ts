import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { escapesRoot, parseDavPath, parseDestination, resolveInsideRoot } from './confine';

describe('parseDavPath', () => {
  it.each([
    ['/dav', '/', []],
    ['/dav/', '/', []],
    ['/dav/a/b.txt', '/a/b.txt', ['a', 'b.txt']],
    ['/dav/with%20space/%C3%A9.ipynb', '/with%20space/%C3%A9.ipynb', ['with space', 'é.ipynb']],
    ['/dav/a/?x=1', '/a/', ['a']],
    ['/dav/a//b', '/a//b', ['a', 'b']],
  ])('accepts %s', (url, encoded, segments) => {
    expect(parseDavPath(url, '/dav')).toEqual({ ok: true, encoded, segments });
  });

  it.each([
    ['/dav/../etc/passwd', 403],
    ['/dav/a/..', 403],
    ['/dav/%2e%2e/etc', 403],
    ['/dav/%2E%2E/etc', 403],
    ['/dav/.%2e/etc', 403],
    ['/dav/./a', 403],
    ['/dav/a%2f..%2f..%2fetc', 403],
    ['/dav/..%5c..%5cetc', 403],
    ['/dav/a\\..\\b', 403],
    ['/dav/a%00.txt', 403],
    ['/dav/%zz', 400],
    ['/dav/coll/#frag', 400],
    ['/davx/a', 403],
    ['/other/a', 403],
  ])('refuses %s with %d', (url, status) => {
    expect(parseDavPath(url, '/dav')).toMatchObject({ ok: false, status });
  });
});

describe('parseDestination', () => {
  const host = '127.0.0.1:8080';
  it.each([
    ['/dav/b.txt', ['b.txt']],
    ['http://127.0.0.1:8080/dav/dir/b.txt', ['dir', 'b.txt']],
    ['https://127.0.0.1:8080/dav/%C3%A9', ['é']],
  ])('accepts %s', (header, segments) => {
    expect(parseDestination(header, host, '/dav')).toMatchObject({ ok: true, segments });
  });

  it.each([
    ['http://evil.example/dav/b.txt', 502],
    ['http://127.0.0.1:9999/dav/b.txt', 502],
    ['http://127.0.0.1:8080/dav/../x', 403],
    ['http://127.0.0.1:8080/dav/%2e%2e/x', 403],
    ['http://127.0.0.1:8080/elsewhere/x', 403],
    ['/dav/a/%2e%2e/%2e%2e/x', 403],
    ['b.txt', 400],
    ['http://[bad/dav/x', 400],
  ])('refuses %s with %d', (header, status) => {
    expect(parseDestination(header, host, '/dav')).toMatchObject({ ok: false, status });
  });
});

describe('resolveInsideRoot and escapesRoot', () => {
  let sandbox: string;
  let root: string;

  beforeAll(() => {
    sandbox = realpathSync(mkdtempSync(path.join(tmpdir(), 'd1-confine-')));
    root = path.join(sandbox, 'root');
    mkdirSync(path.join(root, 'dir'), { recursive: true });
    mkdirSync(path.join(sandbox, 'outside'));
    writeFileSync(path.join(sandbox, 'outside', 'secret.txt'), 'secret');
    writeFileSync(path.join(root, 'dir', 'file.txt'), 'ok');
    symlinkSync(path.join(sandbox, 'outside'), path.join(root, 'out-dir'));
    symlinkSync(path.join(sandbox, 'outside', 'secret.txt'), path.join(root, 'out-file'));
    symlinkSync(path.join(sandbox, 'outside', 'missing.txt'), path.join(root, 'dangling'));
    symlinkSync(path.join(root, 'dir'), path.join(root, 'in-dir'));
  });

  afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

  it.each([
    [[], ''],
    [['dir', 'file.txt'], 'dir/file.txt'],
    [['dir', 'new.txt'], 'dir/new.txt'],
    [['new-dir', 'deeper', 'new.txt'], 'new-dir/deeper/new.txt'],
    [['in-dir', 'file.txt'], 'dir/file.txt'],
  ])('resolves %j inside the root', async (segments, relative) => {
    expect(await resolveInsideRoot(root, segments)).toBe(path.join(root, relative));
  });

  it.each([
    [['out-dir']],
    [['out-dir', 'secret.txt']],
    [['out-dir', 'new.txt']],
    [['out-file']],
    [['dangling']],
    [['dangling', 'below']],
  ])('refuses %j, which leads outside the root', async (segments) => {
    expect(await resolveInsideRoot(root, segments)).toBeNull();
  });

  it('tells escaping entries from ordinary ones', async () => {
    expect(await escapesRoot(root, path.join(root, 'dir', 'file.txt'))).toBe(false);
    expect(await escapesRoot(root, path.join(root, 'out-file'))).toBe(true);
    expect(await escapesRoot(root, path.join(sandbox, 'outside'))).toBe(true);
  });
});
