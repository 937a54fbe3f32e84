import { readFileSync } from 'node:fs';
import http from 'node:http';

/** A small HTTP server whose misbehaviour is chosen through its environment. */
export const FIXTURE_SERVER = `
const http = require('http');
const { spawn } = require('child_process');
const [port, ...rest] = process.argv.slice(2);
const env = process.env;
console.log('pid=' + process.pid + ' args=' + rest.join(' ') + ' greeting=' + (env.GREETING || ''));
for (let i = 1; i <= Number(env.LINES || 0); i++) console.log('line ' + i);
process.on('SIGTERM', () => {
  console.log(env.IGNORE_TERM ? 'ignoring SIGTERM' : 'got SIGTERM');
  if (!env.IGNORE_TERM) process.exit(0);
});
if (env.GRANDCHILD) {
  const code = 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)';
  const g = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  console.log('grandchild=' + g.pid);
}
if (env.EXIT_CODE) {
  console.error('boom');
  process.exit(Number(env.EXIT_CODE));
}
if (env.NO_LISTEN) setInterval(() => {}, 1000);
else {
  let seen = 0;
  http.createServer((req, res) => {
    seen++;
    if (req.url === '/exit') return res.end('bye', () => process.exit(0));
    const status = seen <= Number(env.FAIL_FIRST || 0) ? 503 : 200;
    console.log('GET ' + req.url + ' ' + status);
    res.writeHead(status);
    res.end('hello from ' + process.pid);
  }).listen(Number(port), '127.0.0.1');
}
`;

/** GET without keep-alive, so no socket outlives the test. */
export function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Dead, or a zombie nobody has reaped yet (it can no longer run). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

/** Polls a condition; a wait with a deadline, not a fixed sleep. */
export async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
