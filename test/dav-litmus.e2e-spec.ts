import * as path from 'node:path';
import { run } from './support/dav-process';
import { PASSWORD, startDavServer, type DavTestServer } from './support/dav-server';

// The litmus WebDAV compliance suite (Debian package `litmus` 0.13) through scripts/litmus.sh, one fresh
// server per suite as the suites assume an empty collection. Every test of every suite must pass.
const SCRIPT = path.join(__dirname, '..', 'scripts', 'litmus.sh');
const EXPECTED_RUN: Record<string, number> = { basic: 16, copymove: 13, props: 30, locks: 37, http: 4 };

describe('litmus against /dav/', () => {
  let server: DavTestServer | undefined;

  afterEach(async () => {
    const current = server;
    server = undefined;
    if (!current) return;
    expect(current.errors).toEqual([]);
    await current.close();
  });

  it.each(Object.entries(EXPECTED_RUN))(
    'passes every %s test',
    async (suite, count) => {
      server = await startDavServer();
      const result = await run('bash', [SCRIPT, server.davUrl, 'rw', PASSWORD, suite], {
        timeoutMs: 180_000,
      });
      const line = result.stdout.split('\n').find((l) => l.startsWith(`litmus ${suite} `));
      expect({ line, stderr: result.stderr }).toEqual({
        line: expect.stringContaining(`run=${count} passed=${count} failed=0`),
        stderr: '',
      });
      expect(result.code).toBe(0);
    },
    200_000,
  );
});
