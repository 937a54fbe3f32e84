#!/usr/bin/env node
// A start-d1 smoke run on whichever Node.js runs this file: start the built server as users do, log in, create a
// notebook, run `1+1` while a websocket client watches, then stop it with SIGTERM. Prints one JSON line; exit 1
// on any failure. Used by scripts/test.sh to check the Node.js lines the whole suite does not run on.
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, realpathSync, rmSync } = require('node:fs');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const WebSocket = require('ws');

const START_D1 = join(__dirname, '..', 'bin', 'start-d1');
const TIMEOUT_MS = 60_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function until(what, check, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'd1-smoke-')));
  const port = await freePort();
  const secret = `smoke-${Math.random().toString(36).slice(2)}`;
  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const child = spawn(process.execPath, [START_D1, '--port', String(port), '--root-dir', root], {
    env: { ...process.env, D1_SECRET_TOKEN: secret, D1_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    await until('/readyz', async () => (await fetch(`${base}/readyz`)).ok);
    const readyMs = Date.now() - started;
    const login = await (
      await fetch(`${base}/login/access-token`, { headers: { authorization: secret } })
    ).json();
    const auth = { authorization: `Bearer ${login.token.access_token}`, 'content-type': 'application/json' };
    const created = await (
      await fetch(`${base}/notebooks/create?filename=smoke`, { method: 'POST', headers: auth })
    ).json();
    const uuid = created.notebook.metadata.jupyter_d1.uuid;
    const added = await (
      await fetch(`${base}/notebooks/${uuid}/cells`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ source: '1+1' }),
      })
    ).json();
    const cell = added.cell.id;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/notebooks/${uuid}/ws/notebook`, { headers: auth });
    const idle = new Promise((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (data) => {
        const update = JSON.parse(String(data)).cell_update?.[0];
        if (
          update?.id === cell &&
          update.metadata.jupyter_d1.execution_state === 'idle' &&
          update.outputs.length
        )
          resolve(update.outputs[0].data['text/plain']);
      });
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const res = await fetch(`${base}/notebooks/${uuid}/cells/${cell}/execute`, {
      method: 'POST',
      headers: auth,
    });
    if (res.status !== 200) throw new Error(`execute answered ${res.status}`);
    const result = await Promise.race([idle, until('the result', async () => false)]);
    ws.close();
    if (result !== '2') throw new Error(`1+1 gave ${JSON.stringify(result)}`);
    const stopping = Date.now();
    child.kill('SIGTERM');
    const exit = await Promise.race([exited, until('start-d1 to exit', async () => false, 15_000)]);
    if (exit.code !== 0) throw new Error(`start-d1 exited with ${exit.code ?? exit.signal}`);
    console.log(
      JSON.stringify({
        smoke: 'ok',
        node: process.version,
        ready_ms: readyMs,
        stop_ms: Date.now() - stopping,
        result,
      }),
    );
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`smoke (${process.version}): ${err.message}`);
  process.exit(1);
});
