import { D1Client, D1Error, type Permission } from '@d1/client';

const TOKEN_KEY = 'd1.token';

/** d1's address as the page sees it: the directory the page was served from (works under a path prefix). */
export function d1BaseUrl(): string {
  return new URL('.', location.href).href;
}

/** A signed-in page: its client and what the token allows. */
export interface Session {
  client: D1Client;
  permission: Permission;
  canWrite: boolean;
}

/** A `?token=` link signs the page in; the token moves to sessionStorage and leaves the address bar. */
export function takeTokenFromLink(): void {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  url.searchParams.delete('token');
  history.replaceState(null, '', url.href);
}

/** The session of the stored token, or null when there is none or d1 refuses it. */
export async function restoreSession(): Promise<Session | null> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  try {
    return await sessionOf(new D1Client({ baseUrl: d1BaseUrl(), token }));
  } catch (err) {
    if (err instanceof D1Error && (err.status === 401 || err.status === 403))
      sessionStorage.removeItem(TOKEN_KEY);
    throw err;
  }
}

/** Signs in with the shared secret or a token (a JWT has three dot-separated parts; a secret is anything else). */
export async function signIn(secretOrToken: string): Promise<Session> {
  const client = new D1Client({ baseUrl: d1BaseUrl() });
  const value = secretOrToken.trim();
  if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(value)) client.token = value;
  else await client.login(value);
  const session = await sessionOf(client);
  sessionStorage.setItem(TOKEN_KEY, client.token ?? '');
  return session;
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

async function sessionOf(client: D1Client): Promise<Session> {
  const permission = await client.permission();
  return { client, permission, canWrite: permission.write_access === true };
}
