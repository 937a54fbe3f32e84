import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, D1Config, parseConfig } from './config';

function error(argv: string[], env: NodeJS.ProcessEnv): string {
  try {
    parseConfig(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  const secret = { D1_SECRET_TOKEN: 's' };

  it('reads every setting from flags or, failing that, env vars', () => {
    const config = parseConfig(['--port', '9001'], { ...secret, D1_PORT: '9002', D1_TOKEN_TTL: '60' });
    expect(config).toMatchObject({ port: 9001, secretToken: 's', tokenTtlSeconds: 60 });
    expect(parseConfig(['--help'], {})).toBe('help');
    expect(parseConfig([], secret)).toMatchObject({ kernelPool: 1 });
    expect(parseConfig(['--kernel-pool', '0'], { ...secret, D1_KERNEL_POOL: '3' })).toMatchObject({
      kernelPool: 0,
    });
    expect(parseConfig([], { ...secret, D1_KERNEL_POOL: '3' })).toMatchObject({ kernelPool: 3 });
  });

  it.each([
    [['--port', 'x'], secret, '--port must be a whole number, got "x"'],
    [[], { ...secret, D1_PORT: 'x' }, 'D1_PORT must be a whole number, got "x"'],
    [['--port', 'x'], { ...secret, D1_PORT: 'y' }, '--port must be a whole number, got "x"'],
    [[], { ...secret, D1_MAX_BODY: '1' }, 'D1_MAX_BODY must be between 1024 and 1099511627776, got 1'],
    [[], { ...secret, D1_KERNEL_POOL: 'two' }, 'D1_KERNEL_POOL must be a whole number, got "two"'],
    [['--kernel-pool', '65'], secret, '--kernel-pool must be between 0 and 64, got 65'],
    [[], {}, '--secret-token is required (or set D1_SECRET_TOKEN): clients exchange it for tokens'],
    [['--nope'], secret, "Unknown option '--nope' (see start-d1 --help)"],
  ])('%j with %j: %s', (argv, env, message) => {
    expect(error(argv, env)).toBe(message);
  });
});

describe('secrets from files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'd1-config-'));
    writeFileSync(join(dir, 'secret'), 's3cret\n');
    writeFileSync(join(dir, 'crlf'), 'jwt-key\r\n');
    writeFileSync(join(dir, 'empty'), '\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads each secret from its file (flag or env var), without the trailing newline', () => {
    const config = parseConfig(
      ['--secret-token-file', join(dir, 'secret'), '--jwt-secret-file', join(dir, 'crlf')],
      { D1_GATEWAY_TOKEN_FILE: join(dir, 'secret') },
    );
    expect(config).toMatchObject({ secretToken: 's3cret', jwtSecret: 'jwt-key', gatewayToken: 's3cret' });
    expect(parseConfig([], { D1_SECRET_TOKEN_FILE: join(dir, 'secret') })).toMatchObject({
      secretToken: 's3cret',
    });
  });

  it('keeps d1 secrets out of the environment it describes', () => {
    const config = parseConfig([], { D1_SECRET_TOKEN: 's', D1_JWT_SECRET: 'j', OTHER: 'o' });
    expect((config as D1Config).childEnv).toEqual({ OTHER: 'o' });
  });

  it.each([
    [
      ['--secret-token-file', '/no/such/file'],
      {},
      '--secret-token-file: cannot read /no/such/file: no such file',
    ],
    [
      [],
      { D1_SECRET_TOKEN_FILE: '/no/such/file' },
      'D1_SECRET_TOKEN_FILE: cannot read /no/such/file: no such file',
    ],
    [['--jwt-secret-file', '/tmp'], secretEnv(), '--jwt-secret-file: cannot read /tmp: it is a directory'],
    [['--secret-token-file', '<empty>'], {}, '--secret-token-file: <empty> is empty'],
    [
      ['--secret-token', 'x', '--secret-token-file', '<secret>'],
      {},
      'give either --secret-token (D1_SECRET_TOKEN) or --secret-token-file (D1_SECRET_TOKEN_FILE), not both',
    ],
    [
      ['--gateway-token-file', '<secret>'],
      { ...secretEnv(), D1_GATEWAY_TOKEN: 'y' },
      'give either --gateway-token (D1_GATEWAY_TOKEN) or --gateway-token-file (D1_GATEWAY_TOKEN_FILE), not both',
    ],
  ])('%j with %j: %s', (argv, env, message) => {
    const fill = (s: string): string =>
      s.replace('<empty>', join(dir, 'empty')).replace('<secret>', join(dir, 'secret'));
    expect(error(argv.map(fill), env)).toBe(fill(message));
  });
});

function secretEnv(): NodeJS.ProcessEnv {
  return { D1_SECRET_TOKEN: 's' };
}
