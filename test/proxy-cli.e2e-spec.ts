import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { START_D1 } from './support/built';

describe('start-d1 --proxy-config', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'd1-proxy-cli-'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function startD1(config: string | null): { status: number | null; stderr: string } {
    const file = join(dir, 'proxy.json');
    if (config !== null) writeFileSync(file, config);
    const args = [
      '--secret-token',
      's',
      '--port',
      '0',
      '--proxy-config',
      config === null ? join(dir, 'none.json') : file,
    ];
    const run = spawnSync(process.execPath, [START_D1, ...args], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: run.status, stderr: run.stderr };
  }

  it.each([
    [
      'a wrong type',
      '{"servers": {"web": {"command": ["x"], "timeout": "5"}}}',
      'servers.web.timeout must be a number',
    ],
    [
      'an unknown key',
      '{"servers": {"web": {"command": ["x"], "ports": 1}}}',
      'servers.web.ports is not a known key',
    ],
    ['a missing command', '{"servers": {"web": {}}}', 'servers.web.command is required'],
    ['a bad name', '{"servers": {"a b": {"command": ["x"]}}}', 'servers.a b: server names must be'],
    ['text that is not JSON', '{"servers": ', 'not valid JSON'],
  ])('refuses %s with exit code 2 and one line naming it', (_what, config, message) => {
    const { status, stderr } = startD1(config);
    expect(status).toBe(2);
    expect(stderr).toContain(`start-d1: --proxy-config: ${message}`);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a missing file', () => {
    const { status, stderr } = startD1(null);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^start-d1: --proxy-config: file not found: /);
  });
});
