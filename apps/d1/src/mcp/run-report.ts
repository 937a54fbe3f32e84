import type { CellJson, CodeCellJson } from '@d1/notebook';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { OpenNotebook } from '../notebooks/open-notebook';
import type { McpNotebooks } from './mcp-notebooks';
import { type Block, renderOutputs } from './render';
import type { Run, WaitOutcome } from './run-watch';
import { toolResult } from './tool-result';

/** What the run tools report about one cell, for programs (`structuredContent`). */
export interface CellRunState {
  cell_id: string;
  index: number;
  /** ok | error | aborted once finished; pending | busy | waiting_for_input | deleted otherwise. */
  status: string;
  execution_count: number | null;
  finished: boolean;
  [key: string]: unknown;
}

function stateOf(cell: CellJson): string {
  return cell.metadata.jupyter_d1?.execution_state ?? 'idle';
}

function hasError(cell: CellJson): boolean {
  return cell.cell_type === 'code' && cell.outputs.some((o) => o.output_type === 'error');
}

/** The state of one watched cell after a wait. `status` is the reply's status when one came. */
export function cellRunState(
  mcp: McpNotebooks,
  nb: OpenNotebook,
  cellId: string,
  outcome: WaitOutcome,
  status?: string,
): CellRunState {
  const index = mcp.indexOf(nb, cellId);
  if (index < 0) return { cell_id: cellId, index, status: 'deleted', execution_count: null, finished: true };
  const cell = nb.model.getCell(cellId) as CodeCellJson;
  const count = cell.execution_count ?? null;
  if (outcome.input?.cell_id === cellId)
    return { cell_id: cellId, index, status: 'waiting_for_input', execution_count: count, finished: false };
  const state = stateOf(cell);
  if (status) return { cell_id: cellId, index, status, execution_count: count, finished: true };
  if (state === 'idle')
    return {
      cell_id: cellId,
      index,
      status: hasError(cell) ? 'error' : 'ok',
      execution_count: count,
      finished: true,
    };
  return { cell_id: cellId, index, status: state, execution_count: count, finished: false };
}

/** The sentence that opens a run tool's answer about one cell. */
export function runSentence(s: CellRunState, outcome: WaitOutcome, waitedS: number): string {
  const name = `Cell ${s.index} (id ${s.cell_id})`;
  switch (s.status) {
    case 'deleted':
      return `Cell ${s.cell_id} was deleted before it finished.`;
    case 'waiting_for_input': {
      const input = outcome.input!;
      const kind = input.password ? ' (a password: it is not shown)' : '';
      return `${name} is waiting for input${kind}, prompt ${JSON.stringify(input.prompt)}. Answer with send_input; it then waits for the cell as run_cell does.`;
    }
    case 'pending':
      return `${name} is still queued after ${waitedS} s, behind cells that run first. It will run; wait for it with wait_for_cell.`;
    case 'busy':
      return `${name} is still running after ${waitedS} s; the output so far is below. Wait for it with wait_for_cell, or stop it with interrupt_kernel.`;
    case 'aborted':
      return `${name} did not run to the end (aborted): an earlier cell failed, or the kernel was interrupted or restarted.`;
    default:
      return `${name} finished: ${s.status}, execution_count ${s.execution_count ?? 'none'}.`;
  }
}

/** A cell's outputs for a run answer, or a note that there are none. */
export function outputBlocks(nb: OpenNotebook, cellId: string, maxChars?: number): Block[] {
  if (!nb.model.hasCell(cellId)) return [];
  const cell = nb.model.getCell(cellId);
  if (cell.cell_type !== 'code' || cell.outputs.length === 0) return [{ type: 'text', text: '(no output)' }];
  return [{ type: 'text', text: 'Output:' }, ...renderOutputs(cell.outputs, maxChars)];
}

/** The answer of run_cell, insert_and_run_cell, wait_for_cell and send_input. */
export function singleRunResult(
  mcp: McpNotebooks,
  nb: OpenNotebook,
  cellId: string,
  outcome: WaitOutcome,
  opts: { status?: string; waitedS: number; maxChars?: number; lead?: string },
): CallToolResult {
  const state = cellRunState(mcp, nb, cellId, outcome, opts.status);
  let sentence = runSentence(state, outcome, opts.waitedS);
  if (outcome.ended === 'cancelled' && !state.finished)
    sentence = `Stopped waiting (the call was cancelled). ${sentence}`;
  if (outcome.ended === 'closed') sentence = `The notebook was closed while the cell ran. ${sentence}`;
  const lead = opts.lead ? `${opts.lead}\n` : '';
  return toolResult(
    [{ type: 'text', text: lead + sentence }, ...outputBlocks(nb, cellId, opts.maxChars)],
    state,
  );
}

/** The answer of run_all_cells: one line per cell, then the outputs of every cell that ran. */
export function manyRunsResult(
  mcp: McpNotebooks,
  nb: OpenNotebook,
  runs: Run[],
  outcome: WaitOutcome,
  opts: { waitedS: number; maxChars?: number },
): CallToolResult {
  const states = runs.map((r) => cellRunState(mcp, nb, r.cellId, outcome, outcome.statuses.get(r.msgId)));
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  const tally = [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
  const head = `Ran ${runs.length} code cells: ${tally || 'none'}.`;
  const blocks: Block[] = [{ type: 'text', text: head }];
  for (const s of states) {
    blocks.push({ type: 'text', text: `\n${runSentence(s, outcome, opts.waitedS)}` });
    if (s.status !== 'aborted' && s.status !== 'pending' && s.status !== 'deleted')
      blocks.push(...outputBlocks(nb, s.cell_id, opts.maxChars));
  }
  const finished = states.every((s) => s.finished);
  return toolResult(blocks, { cells: states, finished });
}

/** The progress message of a wait: what the watched cells are doing now. */
export function progressMessage(mcp: McpNotebooks, nb: OpenNotebook, cellIds: string[]): string {
  const live = cellIds.filter((id) => nb.model.hasCell(id)).map((id) => nb.model.getCell(id));
  const busy = live.find((c) => stateOf(c) === 'busy');
  const waiting = live.filter((c) => stateOf(c) === 'pending').length;
  const done = cellIds.length - waiting - (busy ? 1 : 0);
  const parts: string[] = [];
  if (busy) {
    const outputs = busy.cell_type === 'code' ? busy.outputs.length : 0;
    parts.push(
      `cell ${mcp.indexOf(nb, busy.id)} running, ${outputs} output${outputs === 1 ? '' : 's'} so far`,
    );
  }
  if (waiting) parts.push(`${waiting} queued`);
  if (cellIds.length > 1) parts.push(`${done} of ${cellIds.length} finished`);
  return parts.join('; ') || 'finishing';
}
