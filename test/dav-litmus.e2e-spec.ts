import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { useD1 } from './support/d1';
import { run } from './support/dav-process';

// The litmus WebDAV compliance suite (Debian package `litmus` 0.13) through scripts/litmus.sh, against the real
// app's /dav/ with d1's credentials. The suites assume an empty collection, so each runs in a fresh directory
// of one server. Every test of every suite must pass; the counts pin how many litmus runs.
// Tokens are tested with davfs2 and cadaver instead (test/dav-davfs.e2e-spec.ts): litmus refuses user names and
// passwords of 256 characters or more ("password must be <256 chars"), and d1's JWTs are longer.
const SCRIPT = path.join(__dirname, '..', 'scripts', 'litmus.sh');
const EXPECTED_RUN: Record<string, number> = { basic: 16, copymove: 13, props: 30, locks: 37, http: 4 };

describe('litmus against d1 at /dav/', () => {
  const d1 = useD1();

  async function litmus(suite: string, dir: string, user: string, password: string): Promise<string> {
    mkdirSync(path.join(d1.rootDir, dir));
    const url = `${d1.baseUrl}/dav/${dir}/`;
    const result = await run('bash', [SCRIPT, url, user, password, suite], { timeoutMs: 180_000 });
    const line = result.stdout.split('\n').find((l) => l.startsWith(`litmus ${suite} `)) ?? '';
    // Printed so a CI log shows the numbers, not only a green tick.
    process.stdout.write(`${line} (as ${dir})\n`);
    expect({ stderr: result.stderr, code: result.code }).toEqual({ stderr: '', code: 0 });
    return line;
  }

  it.each(Object.entries(EXPECTED_RUN))(
    'passes every %s test with the shared secret as password',
    async (suite, count) => {
      const line = await litmus(suite, `secret-${suite}`, 'anyone', d1.secret);
      expect(line).toContain(`run=${count} passed=${count} failed=0`);
    },
    200_000,
  );

  it('served every request without a crash of webdav-server', async () => {
    const res = await d1.request('PROPFIND', '/dav/', {
      auth: `Basic ${Buffer.from(`x:${d1.secret}`).toString('base64')}`,
      headers: { depth: '1' },
    });
    expect(res.status).toBe(207);
    for (const suite of Object.keys(EXPECTED_RUN)) expect(res.text).toContain(`secret-${suite}`);
  });
});
