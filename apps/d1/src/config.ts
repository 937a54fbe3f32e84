import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadProxyConfig, ProxyConfigError, ProxyServerSpec } from './proxy-config';

/** The one validated configuration object of a d1 process; nothing else reads process.env. */
export interface D1Config {
  port: number;
  host: string;
  secretToken: string;
  rootDir: string;
  gatewayUrl: string | null;
  gatewayToken: string | null;
  jwtSecret: string | null;
  tokenTtlSeconds: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  proxyConfig: string | null;
  defaultKernel: string | null;
  /** Started kernels of the default spec kept ready for notebooks that open (0: none). */
  kernelPool: number;
  /** Largest body of an upload route (whole notebooks). */
  maxBodyBytes: number;
  /** Largest body of every other route (never above maxBodyBytes). */
  maxJsonBodyBytes: number;
  maxOutputBytes: number;
  wsMaxQueuedBytes: number;
  /** Largest websocket message a client may send (larger: closed with 1009). */
  wsMaxMessageBytes: number;
  /** Failed attempts at the shared secret a client may make per minute before it gets 429. */
  loginFailuresPerMinute: number;
  jupyterCommand: string;
  jupyterReadyTimeoutMs: number;
  /** Environment handed to child processes (the embedded Jupyter Server, proxied servers). */
  childEnv: Record<string, string>;
}

export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';
const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** JSON lines for log collectors (journald, Docker), or text for a person at a terminal. */
export type LogFormat = 'json' | 'text';
const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

/** A bad flag or env var: the CLI prints the message and exits with code 2. */
export class ConfigError extends Error {}

interface FlagSpec {
  env: string;
  help: string;
  type: 'string' | 'boolean';
  short?: string;
}

/** Every flag of start-d1; each also reads from the env var named beside it. */
export const FLAGS: Record<string, FlagSpec> = {
  port: { env: 'D1_PORT', type: 'string', help: 'TCP port to listen on (default 8000)' },
  host: { env: 'D1_HOST', type: 'string', help: 'interface to bind (default 127.0.0.1)' },
  'secret-token': {
    env: 'D1_SECRET_TOKEN',
    type: 'string',
    help: 'shared secret exchanged for tokens (required; on the command line every local user can read it)',
  },
  'secret-token-file': {
    env: 'D1_SECRET_TOKEN_FILE',
    type: 'string',
    help: 'file holding the shared secret (instead of --secret-token)',
  },
  'root-dir': {
    env: 'D1_ROOT_DIR',
    type: 'string',
    help: 'directory served to clients (default: current directory)',
  },
  'gateway-url': {
    env: 'D1_GATEWAY_URL',
    type: 'string',
    help: 'use a remote Jupyter Server / Enterprise Gateway for kernels',
  },
  'gateway-token': { env: 'D1_GATEWAY_TOKEN', type: 'string', help: 'token for the gateway' },
  'gateway-token-file': {
    env: 'D1_GATEWAY_TOKEN_FILE',
    type: 'string',
    help: 'file holding the gateway token (instead of --gateway-token)',
  },
  'jwt-secret': {
    env: 'D1_JWT_SECRET',
    type: 'string',
    help: 'key that signs tokens, to keep them valid across restarts (default: random per start)',
  },
  'jwt-secret-file': {
    env: 'D1_JWT_SECRET_FILE',
    type: 'string',
    help: 'file holding the key that signs tokens (instead of --jwt-secret)',
  },
  'token-ttl': {
    env: 'D1_TOKEN_TTL',
    type: 'string',
    help: 'lifetime of login tokens in seconds (default 691200 = 8 days)',
  },
  'log-level': { env: 'D1_LOG_LEVEL', type: 'string', help: `one of ${LOG_LEVELS.join(', ')} (default log)` },
  'log-format': {
    env: 'D1_LOG_FORMAT',
    type: 'string',
    help: 'json or text (default: text on a terminal, json otherwise)',
  },
  'proxy-config': {
    env: 'D1_PROXY_CONFIG',
    type: 'string',
    help: 'JSON file declaring servers to supervise and proxy at /proxy/<name>/',
  },
  'default-kernel': {
    env: 'D1_DEFAULT_KERNEL',
    type: 'string',
    help: 'kernel spec used when a notebook names none (default: the service default)',
  },
  'kernel-pool': {
    env: 'D1_KERNEL_POOL',
    type: 'string',
    help: 'started kernels of the default spec kept ready for notebooks that open (default 1; 0: off)',
  },
  'max-body': {
    env: 'D1_MAX_BODY',
    type: 'string',
    help: 'largest upload (notebook) body in bytes (default 104857600 = 100 MiB)',
  },
  'max-json-body': {
    env: 'D1_MAX_JSON_BODY',
    type: 'string',
    help: 'largest body of every other request in bytes (default 1048576 = 1 MiB)',
  },
  'max-output': {
    env: 'D1_MAX_OUTPUT',
    type: 'string',
    help: "largest size of one cell's outputs in bytes (default 2097152 = 2 MiB)",
  },
  'ws-max-queued': {
    env: 'D1_WS_MAX_QUEUED',
    type: 'string',
    help: 'bytes queued for a slow websocket client before it is closed (default 8388608)',
  },
  'ws-max-message': {
    env: 'D1_WS_MAX_MESSAGE',
    type: 'string',
    help: 'largest websocket message a client may send, in bytes (default 1048576; larger: closed with 1009)',
  },
  'jupyter-command': {
    env: 'D1_JUPYTER_COMMAND',
    type: 'string',
    help: 'the jupyter executable for the embedded server (default /usr/bin/jupyter)',
  },
  version: { env: '', type: 'boolean', short: 'v', help: "print d1's version and exit" },
  help: { env: '', type: 'boolean', short: 'h', help: 'show this help' },
};

/** Env vars that carry d1's own secrets (or where they are): never handed on to child processes. */
export const SECRET_ENV_VARS = ['secret-token', 'jwt-secret', 'gateway-token'].flatMap((name) => [
  FLAGS[name].env,
  FLAGS[`${name}-file`].env,
]);

/** The --help text. */
export function helpText(): string {
  const lines = [
    'Usage: start-d1 [--port 8000] [--root-dir DIR] [options]',
    'The shared secret comes from D1_SECRET_TOKEN, --secret-token-file FILE or --secret-token S (the last',
    'is readable by every local user in /proc/<pid>/cmdline).',
    '',
    'Options:',
  ];
  for (const [name, spec] of Object.entries(FLAGS)) {
    const env = spec.env ? ` [env ${spec.env}]` : '';
    lines.push(`  --${name.padEnd(19)} ${spec.help}${env}`);
  }
  return lines.join('\n');
}

/** Parses argv and env into a validated config; throws ConfigError naming the flag to fix. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): D1Config | 'help' | 'version' {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([k, v]) => [k, { type: v.type, ...(v.short ? { short: v.short } : {}) }]),
  ) as NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.split('\n')[0]} (see start-d1 --help)`);
  }
  if (values.help) return 'help';
  if (values.version) return 'version';
  const get = (name: string): string | undefined => {
    const v = values[name];
    if (typeof v === 'string') return v;
    const e = FLAGS[name].env ? env[FLAGS[name].env] : undefined;
    return e === '' ? undefined : e;
  };
  try {
    return buildConfig(get, env);
  } catch (err) {
    throw nameTheSource(err, values, env);
  }
}

/** A bad value that came from an env var is reported under that var's name: it is what the user set. */
function nameTheSource(err: unknown, values: Record<string, unknown>, env: NodeJS.ProcessEnv): unknown {
  if (!(err instanceof ConfigError)) return err;
  const flag = /^--([a-z-]+)/.exec(err.message)?.[1];
  const spec = flag ? FLAGS[flag] : undefined;
  if (!flag || !spec?.env || typeof values[flag] === 'string' || !env[spec.env]) return err;
  return new ConfigError(err.message.replace(`--${flag}`, spec.env));
}

function buildConfig(get: (name: string) => string | undefined, env: NodeJS.ProcessEnv): D1Config {
  const secretToken = secretFlag('secret-token', get);
  if (!secretToken) {
    throw new ConfigError(
      '--secret-token is required (or set D1_SECRET_TOKEN): clients exchange it for tokens',
    );
  }
  const logLevel = (get('log-level') ?? 'log') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const logFormat = (get('log-format') ?? (process.stdout.isTTY ? 'text' : 'json')) as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) {
    throw new ConfigError(`--log-format must be json or text, got "${logFormat}"`);
  }
  const gatewayUrl = get('gateway-url') ?? null;
  if (gatewayUrl && !/^https?:\/\/[^/]+/.test(gatewayUrl)) {
    throw new ConfigError(`--gateway-url must be an http(s) URL, got "${gatewayUrl}"`);
  }
  const proxyConfig = get('proxy-config') ?? null;
  if (proxyConfig) checkProxyConfig(proxyConfig);
  const maxBodyBytes = intFlag('max-body', get('max-body'), 100 * 1024 * 1024, 1024, 2 ** 40);
  return {
    port: intFlag('port', get('port'), 8000, 0, 65535),
    host: get('host') ?? '127.0.0.1',
    secretToken,
    rootDir: rootDirFlag(get('root-dir') ?? process.cwd()),
    gatewayUrl,
    gatewayToken: secretFlag('gateway-token', get) ?? null,
    jwtSecret: secretFlag('jwt-secret', get) ?? null,
    tokenTtlSeconds: intFlag('token-ttl', get('token-ttl'), 8 * 24 * 3600, 1, 10 * 365 * 24 * 3600),
    logLevel,
    logFormat,
    proxyConfig: proxyConfig ? resolve(proxyConfig) : null,
    defaultKernel: get('default-kernel') ?? null,
    kernelPool: intFlag('kernel-pool', get('kernel-pool'), 1, 0, 64),
    maxBodyBytes,
    maxJsonBodyBytes: Math.min(
      maxBodyBytes,
      intFlag('max-json-body', get('max-json-body'), 1024 * 1024, 1024, 2 ** 40),
    ),
    maxOutputBytes: intFlag('max-output', get('max-output'), 2 * 1024 * 1024, 1024, 2 ** 34),
    wsMaxQueuedBytes: intFlag('ws-max-queued', get('ws-max-queued'), 8 * 1024 * 1024, 1024, 2 ** 34),
    wsMaxMessageBytes: intFlag('ws-max-message', get('ws-max-message'), 1024 * 1024, 1024, 2 ** 30),
    loginFailuresPerMinute: 10,
    jupyterCommand: get('jupyter-command') ?? '/usr/bin/jupyter',
    jupyterReadyTimeoutMs: 30_000,
    childEnv: Object.fromEntries(
      Object.entries(env).filter(
        (e): e is [string, string] => e[1] !== undefined && !SECRET_ENV_VARS.includes(e[0]),
      ),
    ),
  };
}

/**
 * A secret given as `--<name>` or read from `--<name>-file` (a secret on the command line is readable by every
 * local user in /proc/<pid>/cmdline; a file or the environment is not). The file's trailing newline is not
 * part of it. Both at once is an error, as is a file that cannot be read or holds nothing.
 */
function secretFlag(name: string, get: (name: string) => string | undefined): string | undefined {
  const direct = get(name);
  const file = get(`${name}-file`);
  if (file === undefined) return direct;
  if (direct !== undefined) {
    throw new ConfigError(
      `give either --${name} (${FLAGS[name].env}) or --${name}-file (${FLAGS[`${name}-file`].env}), not both`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code;
    throw new ConfigError(`--${name}-file: cannot read ${file}: ${why ?? (err as Error).message}`);
  }
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') throw new ConfigError(`--${name}-file: ${file} is empty`);
  return value;
}

/** Fails start-up on a missing or invalid proxy config rather than on the first proxied request. */
function checkProxyConfig(path: string): void {
  if (!existsSync(path)) throw new ConfigError(`--proxy-config: file not found: ${path}`);
  readProxyServers(path);
}

/** The servers of a proxy config file; a ConfigError naming the bad key when it is invalid. */
export function readProxyServers(path: string): ProxyServerSpec[] {
  try {
    return loadProxyConfig(path);
  } catch (err) {
    if (err instanceof ProxyConfigError) throw new ConfigError(`--proxy-config: ${err.message}`);
    throw err;
  }
}

function intFlag(name: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`--${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function rootDirFlag(raw: string): string {
  const dir = resolve(raw);
  if (!existsSync(dir)) throw new ConfigError(`--root-dir does not exist: ${dir}`);
  if (!statSync(dir).isDirectory()) throw new ConfigError(`--root-dir is not a directory: ${dir}`);
  return realpathSync(dir);
}

/** A config for tests and embedding, with defaults for everything not given. */
export function makeConfig(partial: Partial<D1Config> & Pick<D1Config, 'secretToken' | 'rootDir'>): D1Config {
  const base = buildConfig(
    (name) =>
      name === 'secret-token' ? partial.secretToken : name === 'root-dir' ? partial.rootDir : undefined,
    process.env,
  );
  const merged = { ...base, ...partial, rootDir: rootDirFlag(partial.rootDir) };
  return { ...merged, maxJsonBodyBytes: Math.min(merged.maxJsonBodyBytes, merged.maxBodyBytes) };
}
