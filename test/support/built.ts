import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root, and start-d1 as users run it (from dist/). */
export const REPO = join(__dirname, '../..');
export const START_D1 = join(REPO, 'bin/start-d1');
const CLI_JS = join(REPO, 'dist/apps/d1/src/cli.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(CLI_JS).mtimeMs;
  } catch {
    return 0;
  }
}

/** Builds dist/ when it is missing or older than the sources, so suites that spawn start-d1 run current code. */
export function ensureBuilt(): void {
  if (builtAt() > Math.max(newestSource(join(REPO, 'apps')), newestSource(join(REPO, 'libs')))) return;
  const res = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO, encoding: 'utf8' });
  if (builtAt() === 0) throw new Error(`building dist/ failed:\n${res.stdout}\n${res.stderr}`);
}
