import { z } from 'zod';
import type { OpenNotebook } from '../../notebooks/open-notebook';
import { relativeToRoot } from '../../notebooks/paths';
import { summarize, summaryLine } from '../describe';
import type { McpNotebooks } from '../mcp-notebooks';
import { type Block, renderCell } from '../render';
import { tool, type ToolDef } from '../tool';
import { textResult, toolResult } from '../tool-result';
import { maxCharsArg, notebookArg } from './args';

/** Tools that read a notebook and its kernel's state; none of them reaches the kernel. */
export function readTools(mcp: McpNotebooks): ToolDef[] {
  return [readNotebook(mcp), kernelStatus(mcp), listVariables(mcp)];
}

/** The notebook's cells from `start` to `end` (exclusive) as an agent reads them. */
export function renderNotebook(
  mcp: McpNotebooks,
  nb: OpenNotebook,
  opts: { start?: number; end?: number; outputs?: boolean; maxChars?: number } = {},
): { blocks: Block[]; start: number; end: number } {
  const cells = mcp.cells.list(nb.uuid);
  const end = Math.min(opts.end ?? cells.length, cells.length);
  const start = Math.min(opts.start ?? 0, end);
  const shown = end - start === 1 ? `cell ${start}` : `cells ${start}-${end - 1}`;
  const range = end > start ? `${shown} of ${cells.length}` : `no cells (it has ${cells.length})`;
  const head = `Notebook ${summaryLine(summarize(mcp, nb))}\nShowing ${range}.`;
  const blocks: Block[] = [{ type: 'text', text: head }];
  const render = { language: mcp.language(nb), outputs: opts.outputs, maxChars: opts.maxChars };
  for (let i = start; i < end; i++) blocks.push(...renderCell(cells[i], i, render));
  return { blocks, start, end };
}

function readNotebook(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'read_notebook',
    title: 'Read a notebook',
    access: 'read',
    description:
      'Reads an open notebook as it is now (including changes people are making): each cell with its index, ' +
      'type, id, execution count and state, its source, and its outputs (text as text, images as images, HTML ' +
      'reduced to text, errors as their traceback; over-long output is cut in the middle, and d1 marks output ' +
      'it stopped keeping). Give start and end (end exclusive, like a Python slice) to read only some cells.',
    schema: z.strictObject({
      notebook: notebookArg,
      start: z.number().int().min(0).optional().describe('Index of the first cell to show (default 0)'),
      end: z.number().int().min(0).optional().describe('Index after the last cell to show (default: all)'),
      outputs: z.boolean().optional().describe('Include outputs (default true)'),
      max_output_chars: maxCharsArg,
    }),
    annotations: { idempotentHint: true },
    run: async (args) => {
      const nb = await mcp.notebook(args.notebook);
      const { blocks, start, end } = renderNotebook(mcp, nb, { ...args, maxChars: args.max_output_chars });
      return toolResult(blocks, { uuid: nb.uuid, start, end, cells: nb.model.cellCount });
    },
  });
}

function kernelStatus(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'kernel_status',
    title: 'Kernel status',
    access: 'read',
    description:
      "Tells what a notebook's kernel is doing: its name and state (starting, idle, busy, restarting, dead), " +
      'which cell runs now and which are queued, an input() prompt waiting for an answer, and the working ' +
      'directory. Use it before running code in a notebook someone else is using.',
    schema: z.strictObject({ notebook: notebookArg }),
    annotations: { idempotentHint: true },
    run: async (args) => {
      const nb = await mcp.notebook(args.notebook);
      const summary = summarize(mcp, nb);
      const cells = mcp.cells.list(nb.uuid);
      const at = (state: string) =>
        cells.flatMap((c, i) => (c.metadata.jupyter_d1?.execution_state === state ? [i] : []));
      const running = at('busy');
      const queued = at('pending');
      const input = mcp.execution.pendingInput(nb.uuid);
      const inputIndex = input ? cells.findIndex((c) => c.id === input.cell_id) : -1;
      const cwd = relativeToRoot(mcp.config.rootDir, nb.workingDirectory) || '.';
      const lines = [
        `Kernel ${summary.kernel.name} (${nb.kernelspec.display_name ?? nb.kernelspec.name}) of ${summary.path ?? summary.name}: ${summary.kernel.state}`,
        `Running: ${running.length ? `cell ${running.join(', ')}` : 'nothing'}`,
        `Queued: ${queued.length ? `cells ${queued.join(', ')}` : 'nothing'}`,
        input
          ? `Waiting for input: cell ${inputIndex}, prompt ${JSON.stringify(input.prompt)} (answer with send_input)`
          : 'Waiting for input: no',
        `Working directory: ${cwd}`,
      ];
      return textResult(lines.join('\n'), {
        kernel: { ...summary.kernel, display_name: nb.kernelspec.display_name ?? null },
        running,
        queued,
        input: input ? { cell_index: inputIndex, ...input } : null,
        working_directory: cwd,
      });
    },
  });
}

function listVariables(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'list_variables',
    title: 'List variables',
    access: 'read',
    description:
      "Lists the variables defined in the notebook's kernel (name, type and a short summary), as d1 refreshes " +
      'them after each run; the same list every client of the notebook receives. It does not run anything; ' +
      'inspect_variable shows one variable in detail.',
    schema: z.strictObject({ notebook: notebookArg }),
    annotations: { idempotentHint: true },
    run: async (args) => {
      const nb = await mcp.notebook(args.notebook);
      const vars = await mcp.session.vars(nb.uuid);
      const lines = vars.map((v) => `${v.name}: ${v.type ?? '?'}${v.summary ? ` = ${v.summary}` : ''}`);
      return textResult(
        lines.length ? lines.join('\n') : 'No variables (nothing has run yet, or the kernel is not Python).',
        {
          vars,
        },
      );
    },
  });
}
