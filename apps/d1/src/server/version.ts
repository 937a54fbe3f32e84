import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** d1's version from package.json, split as d1 reports it. */
export function d1Version(): { major: number; minor: number; micro: number } {
  const candidates = [
    join(__dirname, '../../../../package.json'),
    join(__dirname, '../../../../../package.json'),
  ];
  for (const p of candidates) {
    try {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name !== 'd1' || !pkg.version) continue;
      const [major, minor, micro] = pkg.version.split('.').map((x) => parseInt(x, 10) || 0);
      return { major, minor, micro };
    } catch {
      continue;
    }
  }
  return { major: 0, minor: 0, micro: 0 };
}
