import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { TestD1, startD1 } from './support/d1';

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

describe('fuzz: malformed requests over every route', () => {
  let d1: TestD1;
  beforeAll(async () => {
    d1 = await startD1();
  });
  afterAll(async () => {
    await d1?.close();
  });

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
});
