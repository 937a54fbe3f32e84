/** What a WebDAV principal may do; `null` from the authenticator means the credentials were refused. */
export interface DavPermission {
  read: boolean;
  write: boolean;
}

export type DavAuthenticate = (username: string, password: string) => DavPermission | null;

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

export type AuthDecision = { ok: true; permission: DavPermission } | { ok: false; status: 401 | 403 };

export function authorize(
  authenticate: DavAuthenticate,
  header: string | undefined,
  method: string,
): AuthDecision {
  const credentials = parseBasicAuth(header);
  if (!credentials) return { ok: false, status: 401 };
  let permission: DavPermission | null;
  try {
    permission = authenticate(credentials.username, credentials.password);
  } catch {
    permission = null;
  }
  if (!permission || (!permission.read && !permission.write)) return { ok: false, status: 401 };
  const needed = isReadMethod(method) ? permission.read : permission.write;
  return needed ? { ok: true, permission } : { ok: false, status: 403 };
}
