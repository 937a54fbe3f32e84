import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { REPO } from './built';

/** Debian's Chromium, as the page's tests and benchmarks drive it (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Screenshots of the browser suites land here (gitignored). */
export const ARTIFACTS = join(REPO, 'test-artifacts', 'web');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds dist/web when it is missing or older than the page's or the client library's sources. */
export function ensurePageBuilt(): void {
  const index = join(REPO, 'dist/web/index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  const sources = Math.max(newest(join(REPO, 'apps/web')), newest(join(REPO, 'libs/client/src')));
  if (built > sources) return;
  const res = spawnSync(process.execPath, [join(REPO, 'apps/web/build.mjs')], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`building the page failed:\n${res.stdout}\n${res.stderr}`);
}

/** A real Chromium with a fresh profile; `close()` removes the profile too. */
export interface TestBrowser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh --test`);
  const profile = mkdtempSync(join(tmpdir(), 'd1-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1200, height: 900 },
  });
  return {
    context,
    newPage: async () => {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      return page;
    },
    screenshot: async (page, name) => {
      mkdirSync(ARTIFACTS, { recursive: true });
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Problems a page reported: script errors, and console errors such as Content-Security-Policy refusals. */
export function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  return problems;
}
