import { createConfig, lintFromString } from '@redocly/openapi-core';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** An OpenAPI document as JSON; tests index into it freely. */
export type OpenApiDoc = Record<string, any>;

/** Where the generated client types go (ignored by git, type-checked with test/openapi-client's tsconfig). */
export const CLIENT_DIR = join(__dirname, '..', 'openapi-client');
export const GENERATED_TYPES = join(CLIENT_DIR, 'generated', 'd1.d.ts');

/**
 * Rules of Redocly's `recommended-strict` set that d1 breaks on purpose, each for a reason its clients depend
 * on. Everything else (the OpenAPI structure, refs, parameters, operation ids, security, examples) is an error.
 */
export const LINT_EXCEPTIONS: Record<string, 'off'> = {
  // `/notebooks/open/` and `/notebooks/metadata/` are the original d1's paths, trailing slash included.
  'no-path-trailing-slash': 'off',
  // `/kernels/is_alive/{id}` (d1) beside `/kernels/{id}/restart` (SPEC): routers prefer the literal segment.
  'no-ambiguous-paths': 'off',
  // The health probes and /hello have no client errors to answer.
  'operation-4xx-response': 'off',
  // The websocket messages are components no HTTP operation refers to; the suite checks nothing else is unused.
  'no-unused-components': 'off',
};

/** Redocly's lint (what `redocly lint` runs) over the document; returns the problems as lines. */
export async function lintOpenApi(doc: OpenApiDoc): Promise<string[]> {
  // Stricter than the set on one point: every operation's tag is declared (with its description).
  const rules = { ...LINT_EXCEPTIONS, 'operation-tag-defined': 'error' as const };
  const config = await createConfig({ extends: ['recommended-strict'], rules });
  const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'd1.json', config });
  return problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
}

/**
 * Generates the TypeScript types of the document with openapi-typescript's command line (the package is ESM,
 * which Jest cannot load), into GENERATED_TYPES; returns them.
 */
export async function generateClientTypes(doc: OpenApiDoc): Promise<string> {
  const dir = join(CLIENT_DIR, 'generated');
  mkdirSync(dir, { recursive: true });
  const input = join(dir, 'd1.json');
  writeFileSync(input, JSON.stringify(doc));
  const cli = join(require.resolve('openapi-typescript/package.json'), '..', 'bin', 'cli.js');
  await promisify(execFile)(process.execPath, [cli, input, '--output', GENERATED_TYPES], {
    timeout: 120_000,
  });
  return readFileSync(GENERATED_TYPES, 'utf8');
}

/** Type-checks test/openapi-client (the typed calls against the generated types); returns tsc's output. */
export async function typeCheckClient(): Promise<{ ok: boolean; output: string }> {
  const tsc = require.resolve('typescript/bin/tsc');
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [tsc, '-p', join(CLIENT_DIR, 'tsconfig.json')],
      {
        timeout: 120_000,
      },
    );
    return { ok: true, output: stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  }
}
