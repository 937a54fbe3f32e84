import type { IncomingMessage } from 'node:http';
import type { Access } from '../../auth/permission';

/** A request under `/proxy/`: which server, and the rest of the path. */
export interface ProxyPath {
  name: string;
  /** Everything after `/proxy/<name>` (may be empty: the client left out the trailing slash). */
  rest: string;
  /** The query string with its `?`, or empty. */
  search: string;
}

const PREFIX = '/proxy/';

/** Splits `/proxy/<name>/<rest>?<query>`; null when the URL is not under `/proxy/<name>`. */
export function parseProxyPath(url: string): ProxyPath | null {
  if (!url.startsWith(PREFIX)) return null;
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  const search = q >= 0 ? url.slice(q) : '';
  const afterPrefix = path.slice(PREFIX.length);
  const slash = afterPrefix.indexOf('/');
  const name = slash >= 0 ? afterPrefix.slice(0, slash) : afterPrefix;
  if (name === '') return null;
  return { name, rest: slash >= 0 ? afterPrefix.slice(slash) : '', search };
}

/** The path the proxied server sees: the full one when it wants absolute URLs, the stripped one otherwise. */
export function upstreamPath(p: ProxyPath, absoluteUrl: boolean, search: string): string {
  const path = absoluteUrl ? `${PREFIX}${p.name}${p.rest}` : p.rest || '/';
  return path + search;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a method only reads: it needs read access, and carries no body through the proxy. */
export function isReadMethod(method: string | undefined): boolean {
  return READ_METHODS.has((method ?? 'GET').toUpperCase());
}

/**
 * Reading methods need read access; anything that can change state upstream needs write. An administrative
 * server (the embedded Jupyter Server, which starts kernels) needs write access for every method.
 */
export function accessFor(method: string | undefined, writeOnly = false): Access {
  return !writeOnly && isReadMethod(method) ? 'read' : 'write';
}

/** The d1 token of a proxied HTTP request: `Authorization: Bearer <jwt>` or `?token=<jwt>`. */
export function httpToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (m) return m[1];
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  return query ?? undefined;
}
