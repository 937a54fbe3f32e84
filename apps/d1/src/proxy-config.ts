import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** How a server appears in a launcher; d1 only reports it. */
export interface LauncherEntry {
  enabled: boolean;
  title: string;
  icon_path: string | null;
}

/** One server of `--proxy-config`, validated, with defaults filled in. */
export interface ProxyServerSpec {
  name: string;
  /** argv with `{port}` and `{base_url}` templates. */
  command: string[];
  /** Readiness deadline (config `timeout`, seconds). */
  timeoutMs: number;
  environment: Record<string, string>;
  /** True: the server sees the full `/proxy/<name>/...` path; false: the prefix is stripped. */
  absoluteUrl: boolean;
  /** Fixed port, or null for a free one picked at the first start. */
  port: number | null;
  launcherEntry: LauncherEntry;
}

/** A proxy config that cannot be used; the message names the offending key. */
export class ProxyConfigError extends Error {}

/** Names become a path segment and a process name: keep them plain. `jupyter` is the embedded server. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NAME_RULE = 'server names must be letters, digits, ".", "_" or "-" (at most 64)';
const RESERVED = new Set(['jupyter']);
const DEFAULT_TIMEOUT_S = 5;

const string = z.string({ error: 'must be a string' });
const flag = z.boolean({ error: 'must be true or false' });

/** An object of exactly these keys; an unknown key is named with the ones that are known. */
function strict<T extends z.ZodRawShape>(shape: T, what: string) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `is not a known key (known: ${known})` : what),
  });
}

const command = z
  .array(string, {
    error: (issue) =>
      issue.input === undefined
        ? 'is required (a list of strings, e.g. ["python3", "-m", "http.server", "{port}"])'
        : 'must be a non-empty list of strings',
  })
  .min(1, { error: 'must be a non-empty list of strings' })
  .refine((argv) => argv.length === 0 || argv[0].trim() !== '', { error: 'must name a program', path: [0] });

const SERVER = strict(
  {
    command,
    timeout: z
      .number({ error: 'must be a number' })
      .refine((v) => v > 0 && v <= 3600, {
        error: (i) => `must be between 0 and 3600 seconds, got ${String(i.input)}`,
      })
      .optional(),
    environment: z.record(z.string(), string, { error: 'must be an object of strings' }).optional(),
    absolute_url: flag.optional(),
    port: z
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .refine((v) => v >= 1 && v <= 65535, {
        error: (i) => `must be between 1 and 65535, got ${String(i.input)}`,
      })
      .nullable()
      .optional(),
    launcher_entry: strict(
      {
        enabled: flag.optional(),
        title: string.nullable().optional(),
        icon_path: string.nullable().optional(),
      },
      'must be an object',
    ).optional(),
  },
  'must be an object',
);

const SERVER_NAME = z
  .string()
  .regex(NAME, { error: NAME_RULE })
  .refine((name) => !RESERVED.has(name), {
    error: (i) => `the name "${String(i.input)}" is reserved for the embedded Jupyter Server`,
  });

const SERVERS = z.record(SERVER_NAME, SERVER, { error: 'must be an object mapping names to servers' });

/** Reads and validates a proxy config file. */
export function loadProxyConfig(path: string): ProxyServerSpec[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProxyConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
  return parseProxyConfig(text);
}

/** Validates the JSON text of a proxy config: `{"servers": {...}}` or the servers object itself. */
export function parseProxyConfig(text: string): ProxyServerSpec[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ProxyConfigError(`not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ProxyConfigError('the file must hold a JSON object of servers');
  }
  const wrapped = Object.keys(doc).length === 1 && 'servers' in doc;
  const servers: unknown = wrapped ? (doc as { servers: unknown }).servers : doc;
  const at = wrapped ? ['servers'] : [];
  // zod leaves a `__proto__` key out of a record without a word (it guards against prototype pollution); here
  // it is a server name like any other, and a bad one.
  if (typeof servers === 'object' && servers !== null && Object.hasOwn(servers, '__proto__')) {
    throw new ProxyConfigError(`${[...at, '__proto__'].join('.')}: ${NAME_RULE}`);
  }
  const parsed = SERVERS.safeParse(servers);
  if (!parsed.success) {
    throw new ProxyConfigError(parsed.error.issues.map((issue) => describe(issue, at)).join('; '));
  }
  return Object.entries(parsed.data).map(([name, server]) => toSpec(name, server));
}

/** One problem as a sentence that starts with the key it is about, e.g. `servers.web.command[1] must be …`. */
function describe(issue: z.core.$ZodIssue, at: string[]): string {
  const path = [...at, ...issue.path.map(String)];
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]);
  const key = path.reduce(
    (out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
  // A bad server name is named before what is wrong with it, as the name itself may hold dots.
  if (issue.code === 'invalid_key') return `${key}: ${issue.issues[0]?.message ?? issue.message}`;
  return key ? `${key} ${issue.message}` : issue.message;
}

function toSpec(name: string, server: z.infer<typeof SERVER>): ProxyServerSpec {
  const launcher = server.launcher_entry ?? {};
  return {
    name,
    command: server.command,
    timeoutMs: (server.timeout ?? DEFAULT_TIMEOUT_S) * 1000,
    environment: server.environment ?? {},
    absoluteUrl: server.absolute_url ?? false,
    port: server.port ?? null,
    launcherEntry: {
      enabled: launcher.enabled ?? true,
      title: launcher.title ?? name,
      icon_path: launcher.icon_path ?? null,
    },
  };
}
