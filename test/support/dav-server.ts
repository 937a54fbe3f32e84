import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { davPlugin, type DavChangeKind } from '../../apps/d1/src/files/dav.plugin';
import type { DavPermission } from '../../apps/d1/src/files/dav-auth';

export interface DavChange {
  absPath: string;
  kind: DavChangeKind;
  destAbsPath?: string;
}

export interface DavTestServer {
  /** `http://127.0.0.1:<port>/dav/` */
  davUrl: string;
  origin: string;
  host: string;
  port: number;
  /** Sandbox holding `root/` (served) and siblings the tests use to detect escapes. */
  sandbox: string;
  rootDir: string;
  changes: DavChange[];
  errors: unknown[];
  app: FastifyInstance;
  close(): Promise<void>;
}

export const USERS: Record<string, DavPermission> = {
  rw: { read: true, write: true },
  ro: { read: true, write: false },
};
export const PASSWORD = 'secret';

/** A bare Fastify 5 instance with only the WebDAV plugin, on an ephemeral port. */
export async function startDavServer(): Promise<DavTestServer> {
  const sandbox = realpathSync(mkdtempSync(path.join(tmpdir(), 'd1-dav-')));
  const rootDir = path.join(sandbox, 'root');
  mkdirSync(rootDir);
  const changes: DavChange[] = [];
  const errors: unknown[] = [];
  const app = Fastify();
  await app.register(davPlugin, {
    rootDir,
    authenticate: (username, password) => (password === PASSWORD ? (USERS[username] ?? null) : null),
    onFileChanged: (absPath, kind, destAbsPath) => changes.push({ absPath, kind, destAbsPath }),
    onError: (error) => errors.push(error),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('Server has no TCP address.');
  const host = `127.0.0.1:${address.port}`;
  return {
    davUrl: `http://${host}/dav/`,
    origin: `http://${host}`,
    host,
    port: address.port,
    sandbox,
    rootDir,
    changes,
    errors,
    app,
    close: async () => {
      await app.close();
      rmSync(sandbox, { recursive: true, force: true });
    },
  };
}
