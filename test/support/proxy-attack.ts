import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { waitFor } from './d1';

/** A kernel protocol message as the JSON websocket of Jupyter Server carries it. */
export function kernelMessage(msgType: string, content: object, msgId: string = randomUUID()): string {
  return JSON.stringify({
    header: { msg_id: msgId, msg_type: msgType, session: 'security', username: 'u', version: '5.3' },
    parent_header: {},
    metadata: {},
    content,
    channel: 'shell',
    buffers: [],
  });
}

/** An execute_request for `code`. */
export function executeRequest(code: string, msgId: string): string {
  return kernelMessage(
    'execute_request',
    {
      code,
      silent: false,
      store_history: false,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    },
    msgId,
  );
}

/** An opened (or refused) websocket, with its close code and reason once it closes. */
export interface OpenedWs {
  ws: WebSocket;
  /** 101 when open, else the HTTP status its handshake was refused with. */
  status: number;
  /** [code, reason] once closed, or [0, 'still open'] when it was still open after `timeoutMs` of `closed`. */
  closed: (timeoutMs?: number) => Promise<[number, string]>;
}

/** Opens a websocket; listens for its close from the start, so a close that comes early is not missed. */
export function openWs(
  url: string,
  opts: { headers?: Record<string, string>; protocols?: string[] } = {},
): Promise<OpenedWs> {
  const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers });
  const closing = new Promise<[number, string]>((resolve) =>
    ws.once('close', (code, reason) => resolve([code, reason.toString()])),
  );
  const closed = (timeoutMs = 15_000): Promise<[number, string]> =>
    Promise.race([
      closing,
      new Promise<[number, string]>((resolve) =>
        setTimeout(() => resolve([0, 'still open']), timeoutMs).unref(),
      ),
    ]);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, status: 101, closed }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ ws, status: res.statusCode ?? 0, closed });
    });
    ws.once('error', reject);
  });
}

/** CPU time a process has used so far, in clock ticks (utime + stime of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Resolves once a process has done (next to) nothing for `quietMs`: at most 2 ticks (20 ms of CPU) in that
 * window. A server that has sent all it can (or is blocked on a peer that reads nothing) goes quiet.
 */
export async function quiet(pid: number, what: string, quietMs = 500, timeoutMs = 120_000): Promise<void> {
  const samples: Array<[number, number]> = [];
  await waitFor(
    () => {
      const now = Date.now();
      const ticks = cpuTicks(pid);
      samples.push([now, ticks]);
      const from = samples.filter(([t]) => t <= now - quietMs).pop();
      return from !== undefined && ticks - from[1] <= 2;
    },
    what,
    timeoutMs,
  );
}

/** A free loopback port (taken and released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A stock Jupyter Server (none of d1's configuration), for comparing its behaviour with the embedded one's. */
export async function startStockJupyter(
  rootDir: string,
  token: string,
): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const args = ['server', '--no-browser', '--ServerApp.ip=127.0.0.1', `--ServerApp.port=${port}`];
  args.push('--ServerApp.port_retries=0', `--ServerApp.root_dir=${rootDir}`, `--ServerApp.token=${token}`);
  if (process.getuid?.() === 0) args.push('--allow-root');
  const child = spawn('/usr/bin/jupyter', args, { stdio: 'ignore' });
  await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/api/status?token=${token}`).catch(() => null);
      return res?.status === 200;
    },
    'the stock Jupyter Server to answer',
    30_000,
  );
  return { port, child };
}

/**
 * The login cookie Jupyter Server 1.23 would issue for a server on `port`: signed with the cookie secret every
 * Jupyter Server of this user shares (`jupyter_cookie_secret` in the runtime dir).
 */
export function forgeLoginCookie(port: number): string {
  const runtime = spawnSync('/usr/bin/jupyter', ['--runtime-dir'], { encoding: 'utf8' }).stdout.trim();
  const name = `username-127-0-0-1-${port}`;
  // ServerApp._default_cookie_secret: HMAC-SHA256 keyed with the file's bytes over the (empty) password.
  const script = [
    'import hashlib, hmac, sys',
    'from tornado.web import create_signed_value',
    'key = open(sys.argv[1], "rb").read()',
    'secret = hmac.new(key, b"", hashlib.sha256).digest()',
    'print(create_signed_value(secret, sys.argv[2], sys.argv[3]).decode())',
  ].join('\n');
  const file = join(runtime, 'jupyter_cookie_secret');
  const user = randomUUID().replace(/-/g, '');
  const signed = spawnSync('/usr/bin/python3', ['-c', script, file, name, user], { encoding: 'utf8' });
  if (signed.status !== 0) throw new Error(`cannot sign a cookie: ${signed.stderr}`);
  return `${name}=${signed.stdout.trim()}`;
}
