import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The echo server of the proxy suites (HTTP describes what it saw, websockets echo). */
export const ECHO_SERVER = join(__dirname, 'proxy-fixtures', 'echo-server.js');

/** A temp dir holding `proxy.json` with `servers`, and a `www/` dir for file servers; returns both paths. */
export function writeProxyConfig(servers: (www: string) => Record<string, unknown>): {
  dir: string;
  file: string;
  www: string;
} {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'd1-proxy-')));
  const www = join(dir, 'www');
  mkdirSync(www);
  const file = join(dir, 'proxy.json');
  writeFileSync(file, JSON.stringify({ servers: servers(www) }, null, 2));
  return { dir, file, www };
}

/** Whether a pid is alive (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}
