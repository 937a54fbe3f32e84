import { isUuid } from '@d1/notebook';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { atomicWrite } from '../notebooks/notebook-files';

/** A notebook open in a d1 process, with what a restarted d1 needs to reopen it on the same kernel. */
export interface OpenRecord {
  uuid: string;
  /** Absolute path of its file (inside the root dir). */
  path: string;
  autosave: boolean;
  kernelspec: string;
  /** Its kernel in the gateway; null while it had none (starting, failed). */
  kernel_id: string | null;
  /** The notebook's version when this was written; a restarted d1 continues above it. */
  version: number;
}

/** What d1 keeps across a restart when its kernels live in a gateway. */
export interface SessionState {
  format: 1;
  root_dir: string;
  gateway_url: string;
  notebooks: OpenRecord[];
  /** Kernels that only this process used (its pool, notebooks that cannot be reopened): shut down on restart. */
  stale_kernels: string[];
}

/**
 * Where the state of d1 serving `rootDir` with the gateway `gatewayUrl` lives: under the XDG state
 * directory (`$XDG_STATE_HOME`, else `~/.local/state`), `d1/sessions-<hash>.json`. Outside the root dir, so
 * WebDAV never serves it and clients cannot edit which kernels d1 attaches to.
 */
export function sessionStatePath(env: Record<string, string>, rootDir: string, gatewayUrl: string): string {
  const base = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : null;
  const stateHome = base ?? path.join(env.HOME || homedir(), '.local', 'state');
  const key = createHash('sha256').update(`${rootDir}\n${gatewayUrl}`).digest('hex').slice(0, 16);
  return path.join(stateHome, 'd1', `sessions-${key}.json`);
}

/** Reads the state; null when there is none. Throws (with the reason) when the file is not a valid state. */
export async function readSessionState(file: string): Promise<SessionState | null> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return checkState(JSON.parse(text));
}

/** Writes the state atomically (temp file, fsync, rename) in a directory only this user can read. */
export async function writeSessionState(file: string, state: SessionState): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await atomicWrite(file, `${JSON.stringify(state, null, 1)}\n`);
  await fsp.chmod(file, 0o600);
}

/** Removes the state (nothing to keep). */
export async function removeSessionState(file: string): Promise<void> {
  await fsp.rm(file, { force: true });
}

function checkState(json: unknown): SessionState {
  const s = json as Partial<SessionState> | null;
  if (typeof s !== 'object' || s === null || s.format !== 1) throw new Error('unknown format');
  if (typeof s.root_dir !== 'string' || typeof s.gateway_url !== 'string')
    throw new Error('no root_dir/gateway_url');
  if (!Array.isArray(s.notebooks) || !s.notebooks.every(isRecord)) throw new Error('bad notebooks');
  if (!Array.isArray(s.stale_kernels) || !s.stale_kernels.every((k) => typeof k === 'string'))
    throw new Error('bad stale_kernels');
  return s as SessionState;
}

function isRecord(r: unknown): r is OpenRecord {
  const o = r as Partial<OpenRecord> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    isUuid(o.uuid) &&
    typeof o.path === 'string' &&
    path.isAbsolute(o.path) &&
    typeof o.autosave === 'boolean' &&
    typeof o.kernelspec === 'string' &&
    (o.kernel_id === null || typeof o.kernel_id === 'string') &&
    Number.isSafeInteger(o.version)
  );
}
