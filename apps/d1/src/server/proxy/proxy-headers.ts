import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1); never passed along. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * d1's own credentials: the user's token and cookies must never reach a proxied server, which may belong to
 * someone else or log what it receives (jupyter-server-proxy #590).
 */
const CREDENTIALS = new Set(['authorization', 'cookie']);

/**
 * `Expect: 100-continue` is answered by d1's own HTTP server, which reads the body it forwards; the forwarding
 * client (undici) refuses to send the header on.
 */
const ANSWERED_HERE = new Set(['expect']);

/** The upstream websocket client makes its own handshake headers. */
const WS_HANDSHAKE = new Set([
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'sec-websocket-accept',
]);

/** Where a request came from, for the X-Forwarded-* headers. */
export interface ForwardContext {
  /** The client's address. */
  remoteAddress: string | undefined;
  /** `/proxy/<name>`: the prefix the proxied server is mounted under. */
  prefix: string;
  /** Whether the prefix was stripped from the path the server sees. */
  stripped: boolean;
}

function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const raw = headers.connection;
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return new Set(
    text
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Copies headers, leaving out hop-by-hop ones (also those the Connection header names) and `drop`. */
function filtered(headers: IncomingHttpHeaders, drop: Set<string>): OutgoingHttpHeaders {
  const named = connectionTokens(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    const k = key.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(k) || named.has(k) || drop.has(k)) continue;
    out[k] = value;
  }
  return out;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The headers a proxied server receives: the client's minus hop-by-hop and credentials, plus X-Forwarded-*. */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  ctx: ForwardContext,
  websocket = false,
): OutgoingHttpHeaders {
  const drop = new Set([...CREDENTIALS, ...ANSWERED_HERE, 'host', ...(websocket ? WS_HANDSHAKE : [])]);
  const out = filtered(headers, drop);
  const priorFor = first(headers['x-forwarded-for']);
  const client = ctx.remoteAddress ?? '';
  out['x-forwarded-for'] = priorFor ? `${priorFor}, ${client}` : client;
  out['x-forwarded-proto'] = first(headers['x-forwarded-proto']) ?? (websocket ? 'ws' : 'http');
  out['x-forwarded-host'] = first(headers['x-forwarded-host']) ?? first(headers.host) ?? '';
  if (ctx.stripped) {
    // The names jupyter-server-proxy uses, so apps written for it build their URLs right.
    out['x-forwarded-prefix'] = ctx.prefix;
    out['x-forwarded-context'] = ctx.prefix;
    out['x-proxycontextpath'] = ctx.prefix;
  }
  return out;
}

/**
 * The headers a client receives from a proxied server: minus hop-by-hop, with `Location` fixed, and without
 * cookies when the server's cookies are its own credentials (the embedded Jupyter Server's login and xsrf).
 */
export function clientResponseHeaders(
  headers: IncomingHttpHeaders,
  rewriteLocation: (location: string) => string,
  dropCookies = false,
): OutgoingHttpHeaders {
  const out = filtered(headers, dropCookies ? new Set(['set-cookie']) : new Set());
  const location = first(headers.location);
  if (location !== undefined) out.location = rewriteLocation(location);
  return out;
}

/**
 * A redirect from a server that thinks it lives at `/`: absolute paths and absolute URLs naming the server
 * itself get the `/proxy/<name>` prefix back; relative and foreign locations are left alone.
 */
export function prefixedLocation(location: string, prefix: string, upstreamOrigin: string): string {
  if (location.startsWith(upstreamOrigin)) {
    const rest = location.slice(upstreamOrigin.length);
    if (rest === '' || /^[/?#]/.test(rest)) return prefix + (rest.startsWith('/') ? rest : `/${rest}`);
  }
  if (location.startsWith('/') && !location.startsWith('//')) return prefix + location;
  return location;
}

/** The query string without d1's `token` parameter (which must not reach the proxied server). */
export function withoutToken(search: string): string {
  if (search === '' || search === '?') return '';
  const kept = search
    .replace(/^\?/, '')
    .split('&')
    .filter((pair) => pair !== '' && decodeKey(pair) !== 'token');
  return kept.length ? `?${kept.join('&')}` : '';
}

function decodeKey(pair: string): string {
  const key = pair.split('=')[0].replace(/\+/g, ' ');
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** Subprotocols to offer upstream: the client's, minus d1's `bearer, <jwt>` auth convention. */
export function upstreamProtocols(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const i = list.findIndex((p) => p.toLowerCase() === 'bearer');
  if (i >= 0) list.splice(i, 2);
  return list;
}
