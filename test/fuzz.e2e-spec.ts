import { existsSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, relative } from 'node:path';
import WebSocket from 'ws';
import { useD1 } from './support/d1';

/* eslint-disable @typescript-eslint/no-explicit-any */

const SEED = Number(process.env.D1_FUZZ_SEED ?? 20251122);
const BUDGET_MS = Number(process.env.D1_FUZZ_MS ?? 25_000);
/** Every path-like value carries this mark, so anything written outside the root dir can be found. */
const MARK = 'fuzzmark';

/** mulberry32: a small seeded generator, so a failing run can be replayed with D1_FUZZ_SEED. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCALARS: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  3.5,
  '',
  'x',
  'ünï©ødé 🙂 \u202e',
  '\u0000',
  'a'.repeat(100_000),
  [],
  {},
  [1, 'a', null],
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
];
const PATHS = [
  `../${MARK}.ipynb`,
  `../../${MARK}/x.ipynb`,
  `/tmp/${MARK}.ipynb`,
  `%2e%2e/${MARK}.ipynb`,
  `${MARK}\u0000.ipynb`,
  `${MARK}/../../${MARK}.ipynb`,
  `${MARK} ünï 🙂.ipynb`,
  `${MARK}.txt`,
  '',
  '.',
  '/',
];
const SEGMENTS = [
  'not-a-uuid',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%00',
  'a%00b',
  '%ff%fe',
  encodeURIComponent('ünï🙂'),
  'x'.repeat(900),
  '00000000-0000-0000-0000-000000000000',
  '..',
];
const FIELDS = [
  'source',
  'cell_type',
  'code',
  'value',
  'read_access',
  'write_access',
  'expires_in',
  'cell_id',
];

/** Draws a fuzzed request for one OpenAPI operation. */
function draw(r: () => number, path: string, op: any, valid: Record<string, string>) {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const params: any[] = op.parameters ?? [];
  const url = path.replace(/\{(\w+)\}/g, (_m, name: string) =>
    r() < 0.4 && valid[name] ? valid[name] : pick(SEGMENTS),
  );
  const query = params
    .filter((p) => p.in === 'query' && r() < 0.8)
    .map((p) => {
      const v = r() < 0.6 ? pick(PATHS) : String(pick(SCALARS)).slice(0, 5000);
      return `${encodeURIComponent(p.name)}=${encodeURIComponent(v)}`;
    });
  const shape = r();
  let raw: string | undefined;
  if (shape < 0.15) raw = '{"source": "x", ';
  else if (shape < 0.25) raw = '['.repeat(5000) + ']'.repeat(5000);
  else if (shape < 0.35) raw = JSON.stringify(pick(SCALARS));
  else if (shape < 0.9) {
    const body: Record<string, unknown> = {};
    for (const f of FIELDS) if (r() < 0.3) body[f] = r() < 0.5 ? pick(SCALARS) : pick(PATHS);
    raw = JSON.stringify(body);
  }
  return { url: url + (query.length ? `?${query.join('&')}` : ''), raw };
}

/** Every file under a directory, relative to it. */
function listing(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      out.push(relative(root, full));
      if (statSync(full).isDirectory()) walk(full);
    }
  };
  walk(root);
  return out.sort();
}

/** Whether `text` holds a whole HTTP response (by its Content-Length, or the last chunk). */
function complete(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = text.slice(0, end);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
  if (length !== undefined) return Buffer.byteLength(text.slice(end + 4), 'latin1') >= Number(length);
  return /\r\ntransfer-encoding: *chunked/i.test(head) && text.endsWith('\r\n0\r\n\r\n');
}

/**
 * Sends raw bytes (a request with any framing) on a fresh connection and resolves with the status of the
 * answer once it is complete, or null when none came within `waitMs`.
 */
function rawExchange(
  port: number,
  request: Buffer,
  waitMs = 10_000,
): Promise<{ status: number | null; text: string }> {
  return new Promise((resolve) => {
    // Written, not ended: a client that half-closes may lose the answer (Node closes such connections).
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    const done = (): void => {
      socket.destroy();
      resolve({ status: /^HTTP\/1\.1 (\d{3})/.test(text) ? Number(text.slice(9, 12)) : null, text });
    };
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (complete(text)) done();
    });
    socket.on('error', () => undefined);
    socket.on('close', done);
    socket.setTimeout(waitMs, done);
  });
}

/** A chunked body, in chunks of the given size. */
function chunked(body: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) {
    const piece = body.subarray(i, i + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

describe('fuzz: malformed requests over every route', () => {
  const d1 = useD1();

  it('never answers 5xx, stays alive, and writes nothing outside the root dir', async () => {
    const doc = (await d1.request('GET', '/docs-json')).json;
    const created = await d1.request('POST', '/notebooks/create?filename=fuzz-base.ipynb');
    const uuid = created.json.notebook.metadata.jupyter_d1.uuid;
    const cell = (await d1.request('POST', `/notebooks/${uuid}/cells`, { body: { source: '1' } })).json.cell
      .id;
    const valid = { uuid, cell_uuid: cell, name: 'python3', id: uuid };
    const before = listing(d1.rootDir);
    const outside = dirname(d1.rootDir);
    const r = rng(SEED);
    const ops = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([p, m]) =>
      Object.entries(m).map(([method, op]) => ({ method: method.toUpperCase(), path: p, op })),
    );
    const failures: string[] = [];
    const deadline = Date.now() + BUDGET_MS;
    let sent = 0;
    for (let round = 0; Date.now() < deadline; round++) {
      for (const { method, path, op } of ops) {
        if (Date.now() >= deadline) break;
        // Shutting the server's kernels or closing every notebook only slows the rest of the run down.
        if (path === '/notebooks' && method === 'DELETE') continue;
        const drawn = draw(r, path, op, valid);
        const url = drawn.url;
        // fetch cannot send a body with GET or HEAD; those routes get their query and path fuzzed only.
        const raw = method === 'GET' || method === 'HEAD' ? undefined : drawn.raw;
        const headers: Record<string, string> =
          raw === undefined ? {} : { 'content-type': 'application/json' };
        const res = await d1.request(method, url, { raw, headers });
        sent++;
        // 503 KERNEL_UNAVAILABLE is SPEC's answer while a notebook has no kernel (the fuzz may shut it down).
        const kernelGone = res.status === 503 && res.json?.error === 'KERNEL_UNAVAILABLE';
        if (res.status >= 500 && !kernelGone)
          failures.push(
            `${method} ${url.slice(0, 200)} body ${String(raw).slice(0, 80)} → ${res.status} ${res.text.slice(0, 200)}`,
          );
        const opened = res.json?.notebook?.metadata?.jupyter_d1?.uuid;
        if (opened && opened !== uuid) await d1.request('DELETE', `/notebooks/${opened}`);
      }
    }
    process.stdout.write(`  fuzz: ${sent} requests over ${ops.length} operations, seed ${SEED}\n`);
    expect(failures).toEqual([]);
    expect((await d1.request('GET', '/healthz', { auth: null })).status).toBe(200);
    const added = listing(d1.rootDir).filter((f) => !before.includes(f));
    // Valid calls may create notebooks (and their folders) inside the root dir; nothing else may appear.
    for (const f of added)
      expect(f.endsWith('.ipynb') || statSync(join(d1.rootDir, f)).isDirectory()).toBe(true);
    expect(readdirSync(outside).filter((n) => n.includes(MARK))).toEqual([]);
    expect(existsSync(join('/tmp', `${MARK}.ipynb`))).toBe(false);
    for (const k of (await d1.request('GET', '/kernels')).json ?? [])
      await d1.request('DELETE', `/kernels/${k.id}`);
  }, 120_000);

  it('chunked, oversized and mis-framed bodies and oversized websocket frames: never 5xx, d1 stays up', async () => {
    const doc = (await d1.request('GET', '/docs-json')).json;
    const created = await d1.request('POST', '/notebooks/create?filename=fuzz-framing.ipynb');
    const uuid = created.json.notebook.metadata.jupyter_d1.uuid;
    const token = await d1.token();
    const port = Number(new URL(d1.baseUrl).port);
    const url = (p: string) => p.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'uuid' ? uuid : 'x'));
    const ops = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, m]) =>
      Object.keys(m).map((method) => ({ method: method.toUpperCase(), path: url(p) })),
    );
    // d1's own routes outside the OpenAPI document: WebDAV, and paths no route serves.
    ops.push(
      { method: 'GET', path: '/dav/' },
      { method: 'PROPFIND', path: '/dav/' },
      { method: 'POST', path: '/nope' },
    );
    const r = rng(SEED + 1);
    const json = Buffer.from(JSON.stringify({ source: 'x', code: '1', value: 'v' }));
    const huge = Buffer.alloc(3 * 1024 * 1024, 'a');
    // A body that never fully arrives may be waited for: those requests may go unanswered (null).
    const variants: Array<[string, (head: string) => Buffer, boolean?]> = [
      [
        'chunked JSON',
        (h) => Buffer.concat([Buffer.from(`${h}Transfer-Encoding: chunked\r\n\r\n`), chunked(json, 7)]),
      ],
      [
        'chunked past the JSON limit',
        (h) => Buffer.concat([Buffer.from(`${h}Transfer-Encoding: chunked\r\n\r\n`), chunked(huge, 65536)]),
      ],
      [
        'a Content-Length past the limit, no body',
        (h) => Buffer.from(`${h}Content-Length: ${200 * 1024 * 1024}\r\n\r\n`),
      ],
      ['bad chunk sizes', (h) => Buffer.from(`${h}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`)],
      [
        'Content-Length and chunked',
        (h) =>
          Buffer.concat([
            Buffer.from(`${h}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n`),
            chunked(json, 5),
          ]),
      ],
      ['a short body', (h) => Buffer.from(`${h}Content-Length: 100\r\n\r\n{"a":`), true],
    ];
    const failures: string[] = [];
    let sent = 0;
    // Frames first: a fuzzed DELETE below may close the notebook.
    const frames = [`/notebooks/${uuid}/ws/notebook`, `/notebooks/${uuid}/ws/stream`, '/server/ws'];
    for (const path of frames) {
      for (const size of [2 * 1024 * 1024, 1024 * 1024 + 1]) {
        const code = await new Promise<number>((resolve) => {
          const ws = new WebSocket(`${d1.wsUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
          ws.on('open', () => ws.send(Buffer.alloc(size, 'x'), { binary: r() < 0.5 }, () => undefined));
          ws.on('error', () => undefined);
          ws.on('close', (c) => resolve(c));
        });
        sent++;
        if (code !== 1009) failures.push(`${path}: a ${size}-byte frame closed with ${code}, not 1009`);
      }
    }
    for (const { method, path } of ops) {
      if (path === '/notebooks' && method === 'DELETE') continue;
      for (const [what, build, mayWait] of variants) {
        const auth = r() < 0.8 ? `Authorization: Bearer ${token}\r\n` : '';
        const head = `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n${auth}`;
        const res = await rawExchange(port, build(head), mayWait ? 500 : 10_000);
        sent++;
        const kernelGone = res.status === 503 && res.text.includes('KERNEL_UNAVAILABLE');
        if ((res.status === null && !mayWait) || (res.status !== null && res.status >= 500 && !kernelGone))
          failures.push(`${method} ${path} (${what}) -> ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
    process.stdout.write(`  framing fuzz: ${sent} requests and frames over ${ops.length} operations\n`);
    expect(failures).toEqual([]);
    expect((await d1.request('GET', '/healthz', { auth: null })).status).toBe(200);
  }, 180_000);
});
