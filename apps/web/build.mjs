// Builds the page d1 serves at / into dist/web: one hashed script and stylesheet (cached for good), an
// index.html that names them (revalidated on every load), and a gzip copy of each for clients that take it.
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const out = join(repo, 'dist/web');
const assets = join(out, 'assets');

rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: join(here, 'src/main.tsx') },
  outdir: assets,
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  alias: { '@d1/client': join(repo, 'libs/client/src/index.ts') },
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const script = outputs.find((f) => /^app-.*\.js$/.test(f));
const style = outputs.find((f) => /^app-.*\.css$/.test(f));
if (!script || !style) throw new Error(`build: missing outputs in ${outputs.join(', ')}`);

const html = readFileSync(join(here, 'src/index.html'), 'utf8')
  .replace('%SCRIPT%', `./assets/${script}`)
  .replace('%STYLE%', `./assets/${style}`);
writeFileSync(join(out, 'index.html'), html);

let gzipped = 0;
for (const file of [
  join(out, 'index.html'),
  ...outputs.filter((f) => !f.endsWith('.map')).map((f) => join(assets, f)),
]) {
  const gz = gzipSync(readFileSync(file), { level: 9 });
  writeFileSync(`${file}.gz`, gz);
  if (!file.endsWith('.txt')) gzipped += gz.length;
}
writeFileSync(join(out, 'size.json'), JSON.stringify({ script, style, gzip_bytes: gzipped }) + '\n');
console.log(`web: dist/web built, ${(gzipped / 1024).toFixed(0)} kB gzipped (${script}, ${style})`);
