import { readFileSync } from 'node:fs';

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
const RESERVED = new Set(['jupyter']);
const SERVER_KEYS = new Set(['command', 'timeout', 'environment', 'absolute_url', 'port', 'launcher_entry']);
const LAUNCHER_KEYS = new Set(['enabled', 'title', 'icon_path']);
const DEFAULT_TIMEOUT_S = 5;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(message: string): never {
  throw new ProxyConfigError(message);
}

/** Reads and validates a proxy config file. */
export function loadProxyConfig(path: string): ProxyServerSpec[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return fail(`cannot read ${path}: ${(err as Error).message}`);
  }
  return parseProxyConfig(text);
}

/** Validates the JSON text of a proxy config: `{"servers": {...}}` or the servers object itself. */
export function parseProxyConfig(text: string): ProxyServerSpec[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return fail(`not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(doc)) return fail('the file must hold a JSON object of servers');
  const wrapped = Object.keys(doc).length === 1 && 'servers' in doc;
  const servers = wrapped ? doc.servers : doc;
  const prefix = wrapped ? 'servers.' : '';
  if (!isObject(servers)) return fail('servers must be an object mapping names to servers');
  return Object.entries(servers).map(([name, raw]) => parseServer(name, raw, `${prefix}${name}`));
}

function parseServer(name: string, raw: unknown, at: string): ProxyServerSpec {
  if (!NAME.test(name)) {
    fail(`${at}: server names must be letters, digits, ".", "_" or "-" (at most 64)`);
  }
  if (RESERVED.has(name)) fail(`${at}: the name "${name}" is reserved for the embedded Jupyter Server`);
  if (!isObject(raw)) return fail(`${at} must be an object`);
  for (const key of Object.keys(raw)) {
    if (!SERVER_KEYS.has(key))
      fail(`${at}.${key} is not a known key (known: ${[...SERVER_KEYS].join(', ')})`);
  }
  return {
    name,
    command: parseCommand(raw.command, `${at}.command`),
    timeoutMs: parseTimeout(raw.timeout, `${at}.timeout`) * 1000,
    environment: parseEnvironment(raw.environment, `${at}.environment`),
    absoluteUrl: optionalBoolean(raw.absolute_url, `${at}.absolute_url`, false),
    port: parsePort(raw.port, `${at}.port`),
    launcherEntry: parseLauncher(raw.launcher_entry, `${at}.launcher_entry`, name),
  };
}

function parseCommand(v: unknown, at: string): string[] {
  if (v === undefined)
    fail(`${at} is required (a list of strings, e.g. ["python3", "-m", "http.server", "{port}"])`);
  if (!Array.isArray(v) || v.length === 0) fail(`${at} must be a non-empty list of strings`);
  v.forEach((arg, i) => {
    if (typeof arg !== 'string') fail(`${at}[${i}] must be a string`);
  });
  if ((v[0] as string).trim() === '') fail(`${at}[0] must name a program`);
  return v as string[];
}

function parseTimeout(v: unknown, at: string): number {
  if (v === undefined) return DEFAULT_TIMEOUT_S;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${at} must be a number`);
  if (v <= 0 || v > 3600) fail(`${at} must be between 0 and 3600 seconds, got ${v}`);
  return v;
}

function parseEnvironment(v: unknown, at: string): Record<string, string> {
  if (v === undefined) return {};
  if (!isObject(v)) fail(`${at} must be an object of strings`);
  for (const [key, value] of Object.entries(v)) {
    if (typeof value !== 'string') fail(`${at}.${key} must be a string`);
  }
  return v as Record<string, string>;
}

function parsePort(v: unknown, at: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${at} must be a whole number`);
  if (v < 1 || v > 65535) fail(`${at} must be between 1 and 65535, got ${v}`);
  return v;
}

function optionalBoolean(v: unknown, at: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(`${at} must be true or false`);
  return v;
}

function optionalString(v: unknown, at: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail(`${at} must be a string`);
  return v;
}

function parseLauncher(v: unknown, at: string, name: string): LauncherEntry {
  if (v === undefined) return { enabled: true, title: name, icon_path: null };
  if (!isObject(v)) return fail(`${at} must be an object`);
  for (const key of Object.keys(v)) {
    if (!LAUNCHER_KEYS.has(key)) fail(`${at}.${key} is not a known key (known: enabled, title, icon_path)`);
  }
  return {
    enabled: optionalBoolean(v.enabled, `${at}.enabled`, true),
    title: optionalString(v.title, `${at}.title`) ?? name,
    icon_path: optionalString(v.icon_path, `${at}.icon_path`),
  };
}
