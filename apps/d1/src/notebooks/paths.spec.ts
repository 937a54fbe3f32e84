import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { D1Error } from '../common/errors';
import { confine, lexicalPath, notebookName, relativeToRoot, withIpynbSuffix } from './paths';

describe('confine', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeAll(() => {
    base = realpathSync(mkdtempSync(path.join(tmpdir(), 'd1-paths-')));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    mkdirSync(path.join(root, 'sub'), { recursive: true });
    mkdirSync(path.join(root, 'inner-target'));
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'secret.ipynb'), '{}');
    symlinkSync(outside, path.join(root, 'out-link'));
    symlinkSync(path.join(outside, 'secret.ipynb'), path.join(root, 'secret-link.ipynb'));
    symlinkSync(path.join(root, 'inner-target'), path.join(root, 'in-link'));
    symlinkSync(path.join(base, 'missing'), path.join(root, 'dangling'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it.each([
    ['', ''],
    ['.', ''],
    ['a.ipynb', 'a.ipynb'],
    ['sub/a.ipynb', 'sub/a.ipynb'],
    ['sub/../a.ipynb', 'a.ipynb'],
    ['./sub//deep/new.ipynb', 'sub/deep/new.ipynb'],
    ['in-link/x.ipynb', 'inner-target/x.ipynb'],
    ['<root>/sub/a.ipynb', 'sub/a.ipynb'],
    ['<root>', ''],
  ])('accepts %j as %j', async (given, expected) => {
    const resolved = await confine(root, given.replace('<root>', root));
    expect(resolved).toBe(path.join(root, expected));
  });

  it.each([
    ['..'],
    ['../outside/secret.ipynb'],
    ['sub/../../outside'],
    ['/etc/passwd'],
    ['<base>/outside/x.ipynb'],
    ['<root>-sibling/x.ipynb'],
    ['out-link'],
    ['out-link/secret.ipynb'],
    ['out-link/new/deeper.ipynb'],
    ['secret-link.ipynb'],
    ['dangling'],
    ['dangling/x.ipynb'],
    ['a\0b.ipynb'],
  ])('refuses %j', async (given) => {
    const p = given.replace('<root>', root).replace('<base>', base);
    const err = await confine(root, p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(D1Error);
    expect(err).toMatchObject({ status: 400, reason: 'Path is outside the root directory' });
  });

  it('judges lexically before touching the disk', () => {
    expect(lexicalPath('/r', '../x')).toBeNull();
    expect(lexicalPath('/r', '/r/../x')).toBeNull();
    expect(lexicalPath('/r', 'a/b')).toBe('/r/a/b');
  });
});

describe('file names', () => {
  it.each([
    ['koy', 'koy.ipynb'],
    ['koy.ipynb', 'koy.ipynb'],
    ['notes.txt', 'notes.ipynb'],
    ['a.b.c', 'a.b.ipynb'],
    ['.hidden', '.hidden.ipynb'],
    ['sub/koy', 'sub/koy.ipynb'],
    ['sub.d/koy', 'sub.d/koy.ipynb'],
    ['with space', 'with space.ipynb'],
  ])('forces the .ipynb suffix: %j -> %j', (name, expected) => {
    expect(withIpynbSuffix(name)).toBe(expected);
  });

  it('names a notebook after its file stem and returns root-relative paths', () => {
    expect(notebookName('/r/a/koy.ipynb')).toBe('koy');
    expect(relativeToRoot('/r', '/r/aproject/koy.ipynb')).toBe('aproject/koy.ipynb');
  });
});
