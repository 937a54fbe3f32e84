import type { CellJson } from '@d1/notebook';
import { z } from 'zod';
import { badRequest } from '../../common/errors';
import type { OpenNotebook } from '../../notebooks/open-notebook';
import type { McpNotebooks } from '../mcp-notebooks';
import { manyRunsResult, progressMessage, singleRunResult } from '../run-report';
import type { Run, RunWatch, WaitOptions } from '../run-watch';
import { tool, type ToolContext, type ToolDef } from '../tool';
import { DEFAULT_TIMEOUT_S, cellArg, maxCharsArg, notebookArg, timeoutArg } from './args';
import { insertCell } from './edit.tools';

const RUN_RETURNS =
  'Returns when the cell finishes, with its status (ok, error or aborted), execution count and outputs: ' +
  'text as text, images as images, HTML reduced to text, errors as their traceback. While it waits it sends ' +
  'progress notifications; after timeout_seconds it returns the output so far and says the cell is still ' +
  'running (wait_for_cell waits again). If the cell calls input(), it returns the prompt: answer with send_input.';

/** Tools that run code and wait for it: the run goes through d1's queue, so every client sees it. */
export function runTools(mcp: McpNotebooks, watch: RunWatch): ToolDef[] {
  return [
    runCell(mcp, watch),
    insertAndRun(mcp, watch),
    runAll(mcp, watch),
    waitForCell(mcp, watch),
    sendInput(mcp, watch),
  ];
}

/** The wait options of a call: its timeout, its cancellation, and progress about `cellIds`. */
export function waitOptions(
  mcp: McpNotebooks,
  nb: OpenNotebook,
  cellIds: string[],
  timeoutS: number | undefined,
  ctx: ToolContext,
): WaitOptions {
  return {
    timeoutMs: (timeoutS ?? DEFAULT_TIMEOUT_S) * 1000,
    signal: ctx.signal,
    onProgress: () => ctx.progress(progressMessage(mcp, nb, cellIds)),
  };
}

/** Queues a code cell on the notebook's queue (as POST …/execute does) and waits for it. */
async function runAndReport(
  mcp: McpNotebooks,
  watch: RunWatch,
  nb: OpenNotebook,
  cell: CellJson,
  args: { timeout_seconds?: number; max_output_chars?: number },
  ctx: ToolContext,
  lead?: string,
) {
  if (cell.cell_type !== 'code')
    throw badRequest(`Cell ${cell.id} is a ${cell.cell_type} cell; only code cells run`);
  const started = Date.now();
  const { message_id: msgId } = mcp.execution.execute(nb.uuid, cell.id);
  const runs: Run[] = [{ cellId: cell.id, msgId }];
  const outcome = await watch.cells(
    nb,
    { kind: 'runs', runs },
    waitOptions(mcp, nb, [cell.id], args.timeout_seconds, ctx),
  );
  return singleRunResult(mcp, nb, cell.id, outcome, {
    status: outcome.statuses.get(msgId),
    waitedS: Math.round((Date.now() - started) / 1000),
    maxChars: args.max_output_chars,
    lead,
  });
}

function runCell(mcp: McpNotebooks, watch: RunWatch): ToolDef {
  return tool({
    name: 'run_cell',
    title: 'Run a cell',
    access: 'write',
    description:
      "Runs one code cell of a notebook in its kernel, as a person pressing Run would: it joins the notebook's " +
      'queue (behind cells already running) and everyone watching the notebook sees it run. ' +
      RUN_RETURNS,
    schema: z.strictObject({
      notebook: notebookArg,
      cell: cellArg,
      timeout_seconds: timeoutArg,
      max_output_chars: maxCharsArg,
    }),
    run: async (args, ctx) => {
      const nb = await mcp.notebook(args.notebook);
      const { cell } = mcp.cell(nb, args.cell);
      return runAndReport(mcp, watch, nb, cell, args, ctx);
    },
  });
}

function insertAndRun(mcp: McpNotebooks, watch: RunWatch): ToolDef {
  return tool({
    name: 'insert_and_run_cell',
    title: 'Insert a code cell and run it',
    access: 'write',
    description:
      'Inserts a new code cell with the given source (at index, or at the end) and runs it: the usual way to ' +
      'try code in a notebook so that the code and its result stay in the notebook for everyone. ' +
      RUN_RETURNS +
      ' The answer starts with the new cell id and index. To run code without leaving a cell behind, use run_scratch.',
    schema: z.strictObject({
      notebook: notebookArg,
      source: z.string().describe('The code of the new cell'),
      index: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe('Position of the new cell (0 = first); omit to append'),
      timeout_seconds: timeoutArg,
      max_output_chars: maxCharsArg,
    }),
    run: async (args, ctx) => {
      const nb = await mcp.notebook(args.notebook);
      const { cell, index } = insertCell(mcp, nb, args.source, 'code', args.index);
      return runAndReport(mcp, watch, nb, cell, args, ctx, `Inserted cell ${index} (id ${cell.id}).`);
    },
  });
}

function runAll(mcp: McpNotebooks, watch: RunWatch): ToolDef {
  return tool({
    name: 'run_all_cells',
    title: 'Run all cells',
    access: 'write',
    description:
      'Runs every code cell of the notebook from top to bottom (as Run All does); a cell that fails stops the ' +
      'rest (they end as aborted). Returns, per cell, its status and outputs; progress notifications tell how ' +
      'far it got. After timeout_seconds it returns what ran so far and which cells are still queued or running.',
    schema: z.strictObject({
      notebook: notebookArg,
      timeout_seconds: timeoutArg,
      max_output_chars: maxCharsArg,
    }),
    run: async (args, ctx) => {
      const nb = await mcp.notebook(args.notebook);
      const started = Date.now();
      const code = mcp.cells.list(nb.uuid).filter((c) => c.cell_type === 'code');
      // executeAll queues exactly these cells, in this order.
      const refs = mcp.execution.executeAll(nb.uuid);
      const runs = refs.map((r, i) => ({ cellId: code[i].id, msgId: r.message_id }));
      const ids = runs.map((r) => r.cellId);
      const outcome = await watch.cells(
        nb,
        { kind: 'runs', runs },
        waitOptions(mcp, nb, ids, args.timeout_seconds, ctx),
      );
      const waitedS = Math.round((Date.now() - started) / 1000);
      return manyRunsResult(mcp, nb, runs, outcome, { waitedS, maxChars: args.max_output_chars });
    },
  });
}

function waitForCell(mcp: McpNotebooks, watch: RunWatch): ToolDef {
  return tool({
    name: 'wait_for_cell',
    title: 'Wait for a cell',
    access: 'read',
    description:
      'Waits until a cell that is queued or running finishes (whoever started it), then returns its status ' +
      'and outputs as run_cell does; answers at once for a cell at rest. Use it after run_cell returned ' +
      'because of its timeout.',
    schema: z.strictObject({
      notebook: notebookArg,
      cell: cellArg,
      timeout_seconds: timeoutArg,
      max_output_chars: maxCharsArg,
    }),
    annotations: { idempotentHint: true },
    run: async (args, ctx) => {
      const nb = await mcp.notebook(args.notebook);
      const { cell } = mcp.cell(nb, args.cell);
      const started = Date.now();
      const opts = waitOptions(mcp, nb, [cell.id], args.timeout_seconds, ctx);
      const outcome = await watch.cells(nb, { kind: 'idle', cellId: cell.id }, opts);
      const waitedS = Math.round((Date.now() - started) / 1000);
      return singleRunResult(mcp, nb, cell.id, outcome, { waitedS, maxChars: args.max_output_chars });
    },
  });
}

function sendInput(mcp: McpNotebooks, watch: RunWatch): ToolDef {
  return tool({
    name: 'send_input',
    title: 'Answer an input() prompt',
    access: 'write',
    description:
      'Answers the input() (or getpass) prompt a running cell is waiting on, then waits for that cell as ' +
      'run_cell does and returns its outputs. Fails with CONFLICT when no cell is waiting for input; ' +
      'kernel_status shows the pending prompt.',
    schema: z.strictObject({
      notebook: notebookArg,
      value: z.string().describe('The text to answer with (without a trailing newline)'),
      timeout_seconds: timeoutArg,
      max_output_chars: maxCharsArg,
    }),
    run: async (args, ctx) => {
      const nb = await mcp.notebook(args.notebook);
      const pending = mcp.execution.pendingInput(nb.uuid);
      mcp.execution.input(nb.uuid, args.value); // CONFLICT when nothing waits
      const cellId = pending!.cell_id;
      const started = Date.now();
      const opts = waitOptions(mcp, nb, [cellId], args.timeout_seconds, ctx);
      const outcome = await watch.cells(nb, { kind: 'idle', cellId }, opts);
      const waitedS = Math.round((Date.now() - started) / 1000);
      return singleRunResult(mcp, nb, cellId, outcome, {
        waitedS,
        maxChars: args.max_output_chars,
        lead: 'Input sent.',
      });
    },
  });
}
