import { chdirCode, parseEnv, stateCode } from './kernel-snippets';

describe('kernel snippets', () => {
  it('changes directory per language', () => {
    expect(chdirCode('python', '/r/a "b"')).toContain('chdir("/r/a \\"b\\"")');
    expect(chdirCode('bash', "/r/it's")).toBe("cd '/r/it'\\''s' && pwd");
    expect(chdirCode('julia', '/x')).toBeNull();
    expect(stateCode('julia')).toBeNull();
  });

  it('parses env output into variables and the cwd', () => {
    const parsed = parseEnv('HOME=/root\nA=1=2\nnot a var\n___d1_cwd=/work\n');
    expect(parsed.cwd).toBe('/work');
    expect(parsed.vars.map((v) => [v.name, v.value])).toEqual([
      ['HOME', { single_value: '/root' }],
      ['A', { single_value: '1=2' }],
    ]);
  });
});
