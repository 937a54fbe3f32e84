import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';

/** One file of the built page, held in memory (the whole page is a few hundred kB). */
export interface PageFile {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Where `npm run build` puts the page: dist/web, seen from the sources (tests) or from dist (production). */
export function pageDir(): string | null {
  const candidates = [join(__dirname, '../../../../web'), join(__dirname, '../../../../dist/web')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/**
 * The built page's files by name: index.html and the flat assets/ directory. Only names found there are ever
 * served, so no request path reaches the file system.
 */
export class PageFiles {
  private readonly files = new Map<string, PageFile>();

  constructor(readonly dir: string | null) {
    if (!dir) return;
    this.add('index.html', join(dir, 'index.html'));
    const assets = join(dir, 'assets');
    for (const name of existsSync(assets) ? readdirSync(assets) : []) {
      if (!name.endsWith('.gz') && TYPES[extname(name)]) this.add(`assets/${name}`, join(assets, name));
    }
  }

  /** A file by its path under the page (`index.html`, `assets/app-3F2A.js`), or undefined. */
  get(name: string): PageFile | undefined {
    return this.files.get(name);
  }

  private add(name: string, path: string): void {
    const body = readFileSync(path);
    const gzip = existsSync(`${path}.gz`) ? readFileSync(`${path}.gz`) : null;
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    this.files.set(name, { body, gzip, type: TYPES[extname(name)], etag });
  }
}
