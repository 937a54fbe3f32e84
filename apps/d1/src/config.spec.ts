import { ConfigError, parseConfig } from './config';

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
