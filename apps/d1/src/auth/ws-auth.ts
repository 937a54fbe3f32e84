import type { IncomingMessage } from 'node:http';

/** Close code for a websocket whose token is missing, invalid, expired or not allowed what it asked. */
export const CLOSE_POLICY = 1008;

const BEARER_PROTOCOL = 'bearer';

/**
 * The token a websocket handshake carries: `Authorization: Bearer <jwt>`, `?token=<jwt>` (browsers cannot set
 * headers), or the subprotocol convention `Sec-WebSocket-Protocol: bearer, <jwt>`.
 */
export function handshakeToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (m) return m[1];
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  if (query) return query;
  const protocols = protocolList(req);
  const i = protocols.findIndex((p) => p.toLowerCase() === BEARER_PROTOCOL);
  if (i >= 0 && protocols[i + 1]) return protocols[i + 1];
  return undefined;
}

/** Subprotocol to answer with: `bearer` when the client used that convention (it must be echoed back). */
export function chooseProtocol(protocols: Set<string>): string | false {
  for (const p of protocols) if (p.toLowerCase() === BEARER_PROTOCOL) return p;
  return false;
}

function protocolList(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An integer query parameter of the handshake URL, or null. */
export function queryInt(req: IncomingMessage, name: string): number | null {
  const v = new URL(req.url ?? '/', 'http://localhost').searchParams.get(name);
  if (v === null || !/^\d+$/.test(v)) return null;
  return Number(v);
}
