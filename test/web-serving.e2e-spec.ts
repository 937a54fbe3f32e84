import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { useD1, waitFor } from './support/d1';
import { TestBrowser, collectProblems, ensurePageBuilt, launchBrowser } from './support/browser';
import { makeNotebook } from './support/notebooks';
import { cellOf, focusEditorEnd, openNotebook, showNotebook } from './support/page';
import { PrefixProxy, startPrefixProxy } from './support/prefix-proxy';

/** A request with the path sent exactly as written (fetch would normalise `..`). */
function rawGet(base: string, path: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(base);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const req = request({ hostname, port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('the page as d1 serves it', () => {
  beforeAll(() => ensurePageBuilt());
  const d1 = useD1();
  let browser: TestBrowser;
  let proxy: PrefixProxy;
  const pages: Page[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    proxy = await startPrefixProxy(d1.baseUrl, '/tools/d1/');
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.close();
    await d1.request('DELETE', '/notebooks');
  });
  d1.beforeClose(async () => {
    await proxy?.close();
    await browser?.close();
  });

  async function page(): Promise<Page> {
    const p = await browser.newPage();
    pages.push(p);
    return p;
  }

  it('serves / without a token, with a CSP that allows no inline script, nosniff, and no framing', async () => {
    const res = await d1.request('GET', '/', { auth: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const csp = Object.fromEntries(
      (res.headers.get('content-security-policy') ?? '').split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values];
      }),
    );
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['default-src']).toEqual(["'none'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['connect-src']).toEqual(["'self'"]);
    // Every script is a file of d1's own, named relative to the page (so a path prefix works).
    const scripts = [...res.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(1);
    expect(scripts[0][1]).toMatch(/ src="\.\/assets\/app-[A-Z0-9]+\.js"/);
    expect(scripts[0][2]).toBe('');
    expect(res.text).not.toMatch(/ on[a-z]+=/i);
    // Revalidation is cheap.
    const again = await d1.request('GET', '/', {
      auth: null,
      headers: { 'if-none-match': res.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    const head = await d1.request('HEAD', '/', { auth: null });
    expect([head.status, head.text]).toEqual([200, '']);
  });

  it('serves the hashed assets immutable, gzipped on request, and nothing else', async () => {
    const index = (await d1.request('GET', '/', { auth: null })).text;
    const assets = [...index.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.map((a) => a.replace(/-[A-Z0-9]+\./, '-HASH.'))).toEqual([
      'assets/app-HASH.css',
      'assets/app-HASH.js',
    ]);
    for (const asset of assets) {
      const plain = await rawGet(d1.baseUrl, `/${asset}`);
      expect(plain.status).toBe(200);
      expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(plain.headers['x-content-type-options']).toBe('nosniff');
      expect(plain.headers['content-type']).toBe(
        asset.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      );
      const gz = await rawGet(d1.baseUrl, `/${asset}`, { 'accept-encoding': 'gzip' });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    }
    // Unknown names, traversal and other files are d1's 404 JSON; the API keeps its own 404/405s.
    for (const path of [
      '/assets/nope.js',
      '/assets/..%2fpackage.json',
      '/assets/../package.json',
      '/index.html',
      '/assets/',
    ]) {
      const res = await rawGet(d1.baseUrl, path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(JSON.parse(res.body.toString())).toMatchObject({ error: 'NOT_FOUND' });
    }
    const post = await d1.request('POST', '/', { auth: null });
    expect(post.status).toBe(405);
    expect(post.json).toMatchObject({ error: 'METHOD_NOT_ALLOWED', detail: ['GET'] });
    expect((await d1.request('GET', '/no/such/route', { auth: null })).json).toMatchObject({
      error: 'NOT_FOUND',
    });
    expect((await d1.request('GET', '/notebooks', { auth: null })).status).toBe(401);
  });

  it('signs in with the secret, refuses a wrong one, browses the root dir, and opens and creates notebooks', async () => {
    mkdirSync(join(d1.rootDir, 'project'), { recursive: true });
    writeFileSync(join(d1.rootDir, 'project', 'data.csv'), 'a,b\n1,2\n');
    writeFileSync(
      join(d1.rootDir, 'project', 'existing.ipynb'),
      JSON.stringify(makeNotebook(['print("from disk")'])),
    );
    const p = await page();
    const problems = collectProblems(p);
    await p.goto(`${d1.baseUrl}/`);
    await p.getByLabel('Secret or token').fill('not the secret');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('alert').filter({ hasText: 'did not accept' }).waitFor();
    await p.getByLabel('Secret or token').fill(d1.secret);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('link', { name: 'project/' }).click();
    await p.locator('.files li', { hasText: 'data.csv' }).waitFor();
    expect(await p.locator('.files li').allInnerTexts()).toEqual([
      'data.csv\n8 B',
      expect.stringMatching(/^existing\.ipynb/),
    ]);
    // The token is kept for this tab only.
    expect(
      await p.evaluate(() => [sessionStorage.getItem('d1.token')?.split('.').length, localStorage.length]),
    ).toEqual([3, 0]);

    await p.getByRole('button', { name: 'existing.ipynb' }).click();
    await p.locator('.notebook[data-status="live"]').waitFor();
    expect(await p.locator('.nb-name').textContent()).toBe('existing');
    await p.locator('.cell .prompt').first().click();
    await p.keyboard.press('Shift+Enter');
    await p.locator('.out-stream pre', { hasText: 'from disk' }).waitFor({ timeout: 30_000 });

    await p.goto(`${d1.baseUrl}/#/files/project`);
    await p.getByLabel('New notebook name').fill('fresh');
    await p.getByRole('button', { name: 'New notebook' }).click();
    await p.locator('.notebook[data-status="live"]').waitFor();
    expect(await p.locator('.nb-name').textContent()).toBe('fresh');
    await waitFor(
      async () => (await d1.request('GET', '/notebooks')).json.notebooks.length === 2,
      'two open notebooks',
    );
    await p.goto(`${d1.baseUrl}/#/`);
    await p.locator('.nb-link', { hasText: 'fresh' }).waitFor();
    expect((await p.locator('.nb-link').allTextContents()).sort()).toEqual(['existing', 'fresh']);
    // The one refusal: the wrong secret.
    expect(problems).toEqual([
      'console: Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    ]);
  });

  it('works behind a reverse proxy at a path prefix: page, REST, websocket and WebDAV', async () => {
    const nb = await openNotebook(d1, ['']);
    const token = await d1.token();
    const p = await page();
    const problems = collectProblems(p);
    await p.goto(`${proxy.url}?token=${token}#/`);
    await p.locator('.nb-link').first().waitFor();
    await p.locator('.files').waitFor();
    await p.goto(`${proxy.url}#/notebook/${nb.uuid}`);
    await p.locator('.notebook[data-status="live"]').waitFor();
    await focusEditorEnd(p, nb.cellIds[0]);
    await p.keyboard.type('print("through the proxy")');
    await p.keyboard.press('Control+Enter');
    await cellOf(p, nb.cellIds[0]).locator('.out-stream pre', { hasText: 'through the proxy' }).waitFor();
    // The token left the address bar when the page stored it.
    expect(p.url()).not.toContain('token=');
    expect(problems).toEqual([]);
  });

  it('says so when its notebook is closed by someone else', async () => {
    const nb = await openNotebook(d1, ['x = 1']);
    const p = await page();
    await showNotebook(p, d1, await d1.token(), nb.uuid);
    await nb.rest.closeNotebook(nb.uuid);
    await p.locator('.banner.closed', { hasText: 'the notebook was closed' }).waitFor();
    expect(await p.locator('.badge.closed').textContent()).toBe('closed');
  });

  it('shows a notebook whose file changed on disk with a reload action', async () => {
    const nb = await openNotebook(d1, ['x = "before"']);
    const token = await d1.token();
    const p = await page();
    await showNotebook(p, d1, token, nb.uuid);
    const file = (await nb.rest.getNotebook(nb.uuid)).notebook.metadata.jupyter_d1 as { path: string };
    await waitFor(
      async () => (await d1.request('GET', `/notebooks/${nb.uuid}`)).status === 200,
      'the notebook',
    );
    const onDisk = makeNotebook(['x = "changed on disk"'], { jupyter_d1: { uuid: nb.uuid } });
    await waitFor(() => true, 'nothing');
    writeFileSync(file.path, JSON.stringify(onDisk));
    await p.locator('.banner.file-changed').waitFor({ timeout: 20_000 });
    await p.getByRole('button', { name: 'Reload from disk' }).click();
    await p.locator('.banner.file-changed').waitFor({ state: 'detached' });
    await waitFor(
      async () => (await p.locator('.cm-line').first().textContent()) === 'x = "changed on disk"',
      'the reloaded cell',
    );
  });
});
