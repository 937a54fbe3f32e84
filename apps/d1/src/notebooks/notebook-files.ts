import type { NotebookJson } from '@d1/notebook';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { badRequest, notFound } from '../common/errors';

/** What d1 last wrote to a notebook file, to tell its own writes from someone else's edits. */
export interface FileStamp {
  /** sha256 of the bytes written, hex. */
  hash: string;
  mtimeMs: number;
  size: number;
}

// Mime types nbformat stores as line lists besides text/*.
const SPLIT_MIMES = new Set(['application/javascript', 'image/svg+xml']);

/** Splits text into lines that keep their ends, as nbformat writes multi-line strings ("" -> []). */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', start)) {
    lines.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

function splitBundle(bundle: unknown): unknown {
  if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle)) return bundle;
  const out: Record<string, unknown> = {};
  for (const [mime, value] of Object.entries(bundle)) {
    const split = typeof value === 'string' && (mime.startsWith('text/') || SPLIT_MIMES.has(mime));
    out[mime] = split ? splitLines(value) : value;
  }
  return out;
}

function splitOutput(output: Record<string, unknown>): Record<string, unknown> {
  const out = { ...output };
  if (typeof out.text === 'string') out.text = splitLines(out.text);
  if (out.data !== undefined) out.data = splitBundle(out.data);
  return out;
}

function splitCell(cell: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...cell, source: splitLines(String(cell.source)) };
  if (Array.isArray(cell.outputs)) out.outputs = cell.outputs.map((o) => splitOutput(o));
  if (cell.attachments !== undefined) {
    out.attachments = Object.fromEntries(
      Object.entries(cell.attachments as Record<string, unknown>).map(([k, v]) => [k, splitBundle(v)]),
    );
  }
  return out;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

/** A notebook as nbformat.write lays it out: multi-line strings as line lists, sorted keys, indent 1. */
export function serializeNotebook(nb: NotebookJson): string {
  const cells = nb.cells.map((cell) => splitCell(cell as unknown as Record<string, unknown>));
  return `${JSON.stringify(sortKeys({ ...nb, cells }), null, 1)}\n`;
}

/**
 * Replaces `target` with `content` so that a crash at any moment leaves either the old or the new file:
 * write a temp file in the same directory, fsync it, rename it over the target, fsync the directory.
 * `beforeRename` is asked last, right before the rename; when it says no, nothing is replaced (null).
 */
export function atomicWrite(target: string, content: string): Promise<FileStamp>;
export function atomicWrite(
  target: string,
  content: string,
  beforeRename: () => Promise<boolean>,
): Promise<FileStamp | null>;
export async function atomicWrite(
  target: string,
  content: string,
  beforeRename?: () => Promise<boolean>,
): Promise<FileStamp | null> {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.d1-tmp`);
  const bytes = Buffer.from(content, 'utf8');
  const file = await fsp.open(temp, 'wx', 0o644);
  try {
    await file.writeFile(bytes);
    await file.sync();
  } catch (err) {
    await file.close().catch(() => undefined);
    await fsp.rm(temp, { force: true });
    throw err;
  }
  await file.close();
  try {
    if (beforeRename && !(await beforeRename())) {
      await fsp.rm(temp, { force: true });
      return null;
    }
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
  const stat = await fsp.stat(target);
  return { hash: createHash('sha256').update(bytes).digest('hex'), mtimeMs: stat.mtimeMs, size: stat.size };
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads and JSON-parses a notebook file: 404 "File not found", 400 "Failed to parse notebook: ...". */
export async function readNotebookFile(file: string): Promise<unknown> {
  let text: string;
  try {
    const stat = await fsp.stat(file);
    if (!stat.isFile()) throw notFound('File not found');
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound('File not found');
    throw err;
  }
  return parseNotebookText(text);
}

/** JSON.parse for a notebook given as text; 400 "Failed to parse notebook: ..." when it is not JSON. */
export function parseNotebookText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`Failed to parse notebook: not valid JSON (${(err as Error).message})`);
  }
}

/** True when `p` exists (anything: file, directory, link). */
export async function exists(p: string): Promise<boolean> {
  return fsp.lstat(p).then(
    () => true,
    () => false,
  );
}

/** True when `p` is an existing directory. */
export async function isDirectory(p: string): Promise<boolean> {
  return fsp.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
