import type { Output } from '@d1/notebook';
import { z } from 'zod';
import type { McpNotebooks } from '../mcp-notebooks';
import { type Block, renderOutputs } from '../render';
import type { RunWatch } from '../run-watch';
import { tool, type ToolDef } from '../tool';
import { textResult, toolResult } from '../tool-result';
import { DEFAULT_TIMEOUT_S, maxCharsArg, notebookArg, timeoutArg } from './args';

/** Tools that act on a notebook's kernel itself: interrupt, restart, scratch code, variable detail. */
export function kernelTools(mcp: McpNotebooks, watch: RunWatch): ToolDef[] {
  return [interrupt(mcp), restart(mcp), scratch(mcp, watch), inspectVariable(mcp)];
}

function interrupt(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'interrupt_kernel',
    title: 'Interrupt the kernel',
    access: 'write',
    description:
      'Interrupts the running cell (it ends with KeyboardInterrupt) and cancels the cells queued behind it. ' +
      'Variables stay. Use it to stop a cell that runs too long; restart_kernel when the kernel is stuck.',
    schema: z.strictObject({ notebook: notebookArg }),
    run: async (args) => {
      const nb = await mcp.notebook(args.notebook);
      await mcp.execution.interrupt(nb.uuid);
      return textResult(
        'Interrupted: the running cell stops with KeyboardInterrupt and queued cells were cancelled.',
      );
    },
  });
}

function restart(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'restart_kernel',
    title: 'Restart the kernel',
    access: 'write',
    description:
      "Restarts the notebook's kernel: every variable and import is gone, queued cells are cancelled, cells " +
      'keep their source (and their outputs unless clear_outputs is true). Run cells again afterwards, e.g. ' +
      'with run_all_cells.',
    schema: z.strictObject({
      notebook: notebookArg,
      clear_outputs: z.boolean().optional().describe('Also clear every cell output (default false)'),
    }),
    annotations: { destructiveHint: true },
    run: async (args) => {
      const nb = await mcp.notebook(args.notebook);
      await mcp.execution.restart(nb.uuid, { clear: args.clear_outputs === true });
      const cleared = args.clear_outputs ? ' and outputs cleared' : '';
      return textResult(`Kernel restarted${cleared}: variables and imports are gone.`);
    },
  });
}

/** Consecutive chunks of one stream as one output, as a notebook would store them. */
function mergeStreams(outputs: Output[]): Output[] {
  const merged: Output[] = [];
  for (const o of outputs) {
    const last = merged[merged.length - 1];
    if (o.output_type === 'stream' && last?.output_type === 'stream' && last.name === o.name)
      merged[merged.length - 1] = { ...last, text: last.text + o.text };
    else merged.push(o);
  }
  return merged;
}

function scratch(mcp: McpNotebooks, watch: RunWatch): ToolDef {
  return tool({
    name: 'run_scratch',
    title: 'Run scratch code',
    access: 'write',
    description:
      "Runs code in the notebook's kernel without adding or changing any cell (nothing is stored in the " +
      "notebook; clients see it only as scratch output). Use it to look around: a variable's shape, a file " +
      'listing, a quick check. It shares the kernel with the cells, so what it defines stays defined. Returns ' +
      'the outputs when it finishes, or those so far after timeout_seconds.',
    schema: z.strictObject({
      notebook: notebookArg,
      code: z.string().min(1).describe('The code to run'),
      timeout_seconds: timeoutArg,
      max_output_chars: maxCharsArg,
    }),
    run: async (args, ctx) => {
      const nb = await mcp.notebook(args.notebook);
      const started = Date.now();
      const { message_id } = await mcp.execution.scratch(nb.uuid, args.code);
      const received: Output[] = [];
      const ended = await watch.scratch(nb, message_id, received, {
        timeoutMs: (args.timeout_seconds ?? DEFAULT_TIMEOUT_S) * 1000,
        signal: ctx.signal,
        onProgress: () => ctx.progress(`scratch code running, ${received.length} outputs so far`),
      });
      const outputs = mergeStreams(received);
      const failed = outputs.some((o) => o.output_type === 'error');
      const waited = Math.round((Date.now() - started) / 1000);
      const finished = ended === 'finished';
      const sentence = finished
        ? `Scratch code finished: ${failed ? 'error' : 'ok'}.`
        : `Scratch code is still running after ${waited} s; the output so far is below.`;
      const body: Block[] = outputs.length
        ? renderOutputs(outputs, args.max_output_chars)
        : [{ type: 'text', text: '(no output)' }];
      return toolResult([{ type: 'text', text: sentence }, ...body], {
        finished,
        status: finished ? (failed ? 'error' : 'ok') : 'busy',
      });
    },
  });
}

function inspectVariable(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'inspect_variable',
    title: 'Inspect a variable',
    access: 'write',
    description:
      "Shows one kernel variable in detail (d1's variable explorer): its type, summary and value; for tables " +
      '(pandas DataFrames, arrays) a page of rows. It runs introspection code in the kernel, so it needs ' +
      'write access; list_variables lists the names.',
    schema: z.strictObject({
      notebook: notebookArg,
      name: z.string().min(1).describe('The variable name'),
      page: z.number().int().min(0).optional().describe('Page of rows (default 0)'),
      page_size: z.number().int().min(1).max(1000).optional().describe('Rows per page (default 50)'),
    }),
    annotations: { idempotentHint: true },
    run: async (args) => {
      const nb = await mcp.notebook(args.notebook);
      const variable = await mcp.session.variable(nb.uuid, args.name, args.page ?? 0, args.page_size ?? -1);
      return textResult(JSON.stringify(variable, null, 2), { variable });
    },
  });
}
