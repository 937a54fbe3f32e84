import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { TestD1 } from './d1';
import { waitFor } from './d1';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A cell for makeNotebook: a code cell from a string, or any fields given. */
export type CellSpec = string | { cell_type?: string; source: string; [k: string]: any };

/** An nbformat 4.5 notebook with the given cells (fresh uuids are up to d1). */
export function makeNotebook(cells: CellSpec[], metadata: Record<string, any> = {}): Record<string, any> {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' },
      ...metadata,
    },
    cells: cells.map((c, i) => {
      const spec = typeof c === 'string' ? { source: c } : c;
      const type = spec.cell_type ?? 'code';
      const base = { id: `cell-${i}`, metadata: {}, ...spec, cell_type: type };
      return type === 'code' ? { outputs: [], execution_count: null, ...base } : base;
    }),
  };
}

const VALIDATE = [
  'import json, sys, nbformat',
  'nb = nbformat.read(sys.argv[1], as_version=4)',
  'nbformat.validate(nb)',
  'print(json.dumps(nb))',
].join('\n');

/**
 * Reads a notebook file with Debian's python3-nbformat, validates it, and returns it as nbformat sees it
 * (multi-line strings joined). Rejects with Python's error when the file is not valid nbformat 4.
 */
export async function validateNotebookFile(file: string): Promise<any> {
  const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', VALIDATE, file], {
    maxBuffer: 512 * 1024 * 1024,
  });
  return JSON.parse(stdout);
}

/** The raw JSON of a file as written (line lists and all). */
export function readJson(file: string): any {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** `cell.metadata.jupyter_d1.uuid` of each cell. */
export function cellUuids(nb: { cells: any[] }): string[] {
  return nb.cells.map((c) => c.metadata.jupyter_d1.uuid);
}

/** The sources of the cells, in order. */
export function sources(nb: { cells: any[] }): string[] {
  return nb.cells.map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source));
}

/** Waits until the file, read with nbformat, satisfies `check`; returns it. */
export async function waitForFile(file: string, check: (nb: any) => boolean, what: string): Promise<any> {
  let last: any = null;
  await waitFor(
    async () => {
      last = await validateNotebookFile(file).catch(() => null);
      return last !== null && check(last);
    },
    what,
    10_000,
  );
  return last;
}

/** Uploads and opens a notebook, returning it; fails the test on any other status. */
export async function uploadAndOpen(d1: TestD1, query: string, nb: unknown): Promise<any> {
  const res = await d1.request('POST', `/notebooks/upload_and_open?${query}`, { body: nb });
  if (res.status !== 201) throw new Error(`upload_and_open failed: ${res.status} ${res.text}`);
  return res.json.notebook;
}

/** Closes every open notebook. */
export async function closeAll(d1: TestD1): Promise<void> {
  const res = await d1.request('DELETE', '/notebooks');
  if (res.status !== 204) throw new Error(`close all failed: ${res.status} ${res.text}`);
}
