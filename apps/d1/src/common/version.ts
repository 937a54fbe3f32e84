import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** d1's version from package.json, split as d1 reports it. */
export function d1Version(): { major: number; minor: number; micro: number } {
  const [major, minor, micro] = d1VersionString()
    .split('.')
    .map((x) => parseInt(x, 10) || 0);
  return { major, minor, micro };
}

/** d1's version from package.json, e.g. `0.1.0`. */
export function d1VersionString(): string {
  const candidates = [
    join(__dirname, '../../../../package.json'),
    join(__dirname, '../../../../../package.json'),
  ];
  for (const p of candidates) {
    try {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'd1' && pkg.version) return pkg.version;
    } catch {
      continue;
    }
  }
  return '0.0.0';
}
