import { formatBytes } from '@d1/notebook';
import type { Dirent } from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { notFound } from '../../common/errors';
import { realPathInside } from '../../common/root-path';
import { exists } from '../../notebooks/notebook-files';
import { confine, relativeToRoot } from '../../notebooks/paths';
import { outline, summarize, summaryLine } from '../describe';
import type { McpNotebooks } from '../mcp-notebooks';
import { tool, type ToolDef } from '../tool';
import { textResult } from '../tool-result';

/** A directory listing stops here; an agent narrows down with `path`. */
const MAX_ENTRIES = 1000;

/** How long open_notebook waits for a new kernel before answering that it is still starting. */
const KERNEL_WAIT_MS = 30_000;

interface Entry {
  path: string;
  type: 'directory' | 'notebook' | 'file';
  size?: number;
  open_uuid?: string;
  [key: string]: unknown;
}

/** Tools that find and open notebooks. */
export function findTools(mcp: McpNotebooks): ToolDef[] {
  return [listFiles(mcp), listNotebooks(mcp), openNotebook(mcp)];
}

function listFiles(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'list_files',
    title: 'List files',
    access: 'read',
    description:
      "Lists a directory of d1's root dir (the root itself by default): sub-directories, notebooks (.ipynb) " +
      'and other files, with sizes, and which notebooks are open (with their uuid). Paths in the answer are ' +
      'relative to the root dir and can be passed to open_notebook or list_files as they are. Hidden entries ' +
      '(names starting with a dot) are left out.',
    schema: z.strictObject({
      path: z.string().optional().describe('Directory relative to the root dir; omit for the root itself'),
    }),
    annotations: { idempotentHint: true },
    run: async ({ path: dirArg }) => {
      const dir = await confine(mcp.config.rootDir, dirArg ?? '');
      const dirents = await fsp.readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ENOTDIR')
          throw notFound(`Not a directory: ${dirArg ?? ''}`);
        throw err;
      });
      const visible = dirents.filter((d) => !d.name.startsWith('.'));
      const entries = (await Promise.all(visible.map((d) => entry(mcp, dir, d)))).filter((e) => e !== null);
      entries.sort(
        (a, b) =>
          Number(b.type === 'directory') - Number(a.type === 'directory') || a.path.localeCompare(b.path),
      );
      const shown = entries.slice(0, MAX_ENTRIES);
      const rel = relativeToRoot(mcp.config.rootDir, dir);
      const lines = shown.map(entryLine);
      if (entries.length > shown.length) lines.push(`… and ${entries.length - shown.length} more entries`);
      const title = `Directory ${rel === '' ? '. (the root dir)' : rel}: ${entries.length} entries`;
      return textResult([title, ...lines].join('\n'), { path: rel, entries: shown, total: entries.length });
    },
  });
}

async function entry(mcp: McpNotebooks, dir: string, d: Dirent): Promise<Entry | null> {
  const root = mcp.config.rootDir;
  // A symlink is shown as what it points to, and not at all when that is outside the root.
  const real = await realPathInside(root, path.join(dir, d.name));
  if (real === null) return null;
  const stat = await fsp.stat(real).catch(() => null);
  if (!stat) return null;
  const rel = relativeToRoot(root, path.join(dir, d.name));
  if (stat.isDirectory()) return { path: `${rel}/`, type: 'directory' };
  const isNotebook = d.name.endsWith('.ipynb');
  const e: Entry = { path: rel, type: isNotebook ? 'notebook' : 'file', size: stat.size };
  const open = isNotebook ? mcp.notebooks.all().find((nb) => nb.path === real) : undefined;
  if (open) e.open_uuid = open.uuid;
  return e;
}

function entryLine(e: Entry): string {
  if (e.type === 'directory') return `${e.path}  (directory)`;
  const open = e.open_uuid ? `, open as ${e.open_uuid}` : '';
  return `${e.path}  (${e.type}, ${formatBytes(e.size ?? 0)}${open})`;
}

function listNotebooks(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'list_notebooks',
    title: 'List open notebooks',
    access: 'read',
    description:
      'Lists the notebooks open in d1 now (the ones people and agents are working on together), with each ' +
      "one's uuid, path, number of cells and kernel state. Other tools take either the uuid or the path. " +
      'To work on a notebook that is not open, find it with list_files and open it with open_notebook.',
    schema: z.strictObject({}),
    annotations: { idempotentHint: true },
    run: () => {
      const list = mcp.notebooks.all().map((nb) => summarize(mcp, nb));
      const text = list.length ? list.map(summaryLine).join('\n') : 'No notebook is open.';
      return textResult(text, { notebooks: list });
    },
  });
}

function openNotebook(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'open_notebook',
    title: 'Open or create a notebook',
    access: 'write',
    description:
      'Opens a notebook file (path relative to the root dir) so it can be read, edited and run, and starts ' +
      'its kernel; with create: true a missing file is created as an empty notebook (its name gets the ' +
      '.ipynb suffix). A notebook that is already open is returned as it is, shared with whoever has it ' +
      'open. Answers with its uuid, kernel state and an outline of its cells (index, type, id, first line). ' +
      'Waits up to 30 s for a new kernel to be ready.',
    schema: z.strictObject({
      path: z.string().min(1).describe('Notebook path relative to the root dir, e.g. analysis/report.ipynb'),
      create: z.boolean().optional().describe('Create the notebook when no such file exists (default false)'),
      kernel: z
        .string()
        .min(1)
        .optional()
        .describe('Kernel spec name for a new kernel (default: the server default)'),
    }),
    annotations: { idempotentHint: true, destructiveHint: false },
    run: async ({ path: file, create, kernel }) => {
      const absolute = await confine(mcp.config.rootDir, file);
      const missing = !(await exists(absolute)) && !(await exists(`${absolute}.ipynb`));
      const json =
        missing && create
          ? await mcp.notebooks.create({
              filename: path.basename(file),
              directory: path.dirname(file),
              kspec_name: kernel,
            })
          : await mcp.notebooks.open({
              filepath: missing ? file : await existing(absolute, file),
              kspec_name: kernel,
            });
      const nb = mcp.notebooks.get((json.metadata.jupyter_d1 as { uuid: string }).uuid);
      const ready = await mcp.execution.kernelStartedWithin(nb, KERNEL_WAIT_MS);
      const summary = summarize(mcp, nb);
      const kernelNote = ready ? '' : ' The kernel is still starting; cells you run wait for it.';
      const head = `Opened ${summaryLine(summary)}.${kernelNote}`;
      const cells = mcp.cells.list(nb.uuid);
      return textResult(`${head}\n\nCells:\n${cells.length ? outline(cells) : '(none)'}`, summary);
    },
  });
}

/** The file to open: as given, or with .ipynb added when only that exists. */
async function existing(absolute: string, given: string): Promise<string> {
  return (await exists(absolute)) ? given : `${given}.ipynb`;
}
