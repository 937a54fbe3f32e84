import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Absolute path of a file in apps/d1/assets, from the sources (tests) or from dist (production). */
export function assetPath(name: string): string {
  const candidates = [
    join(__dirname, '../../assets', name),
    join(__dirname, '../../../../../apps/d1/assets', name),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`asset ${name} not found (looked in ${candidates.join(', ')})`);
  return found;
}
