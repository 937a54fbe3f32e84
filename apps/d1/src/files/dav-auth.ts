import { D1Error } from '../common/errors';

/** What a WebDAV principal may do; `null` from the authenticator means the credentials were refused. */
export interface DavPermission {
  read: boolean;
  write: boolean;
}

/**
 * Decides what Basic credentials allow; `client` is the caller's address (failed attempts at the shared
 * secret are throttled per client). May throw a 429 D1Error when that client is throttled.
 */
export type DavAuthenticate = (
  username: string,
  password: string,
  client: string,
) => DavPermission | null | Promise<DavPermission | null>;

export interface BasicCredentials {
  username: string;
  password: string;
}

/** Reads `Authorization: Basic …`; anything else (other schemes, bad base64, no colon) counts as absent. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | null {
  if (!header) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND']);

/** Methods a read-only principal may use; LOCK and UNLOCK count as writes because they block other writers. */
export function isReadMethod(method: string): boolean {
  return READ_METHODS.has(method.toUpperCase());
}

export type AuthDecision =
  | { ok: true; permission: DavPermission }
  | { ok: false; status: 401 | 403 }
  | { ok: false; status: 429; error: D1Error };

/** Who may do what: 401 without valid credentials, 403 when they do not allow `method`, 429 when throttled. */
export async function authorize(
  authenticate: DavAuthenticate,
  header: string | undefined,
  method: string,
  client = 'unknown',
): Promise<AuthDecision> {
  const credentials = parseBasicAuth(header);
  if (!credentials) return { ok: false, status: 401 };
  let permission: DavPermission | null;
  try {
    permission = await authenticate(credentials.username, credentials.password, client);
  } catch (err) {
    if (err instanceof D1Error && err.status === 429) return { ok: false, status: 429, error: err };
    permission = null;
  }
  if (!permission || (!permission.read && !permission.write)) return { ok: false, status: 401 };
  const needed = isReadMethod(method) ? permission.read : permission.write;
  return needed ? { ok: true, permission } : { ok: false, status: 403 };
}
