import type { CellJson, CellType } from '@d1/notebook';
import { z } from 'zod';
import type { OpenNotebook } from '../../notebooks/open-notebook';
import { plural } from '../describe';
import type { McpNotebooks } from '../mcp-notebooks';
import { tool, type ToolDef } from '../tool';
import { textResult } from '../tool-result';
import { cellArg, notebookArg } from './args';

const cellType = z.enum(['code', 'markdown', 'raw']);

/** Tools that edit cells, through CellsService as REST edits do: every client sees each change. */
export function editTools(mcp: McpNotebooks): ToolDef[] {
  return [insert(mcp), edit(mcp), remove(mcp), move(mcp)];
}

/** Adds a cell before the one now at `index` (at the end without one); returns it and where it landed. */
export function insertCell(
  mcp: McpNotebooks,
  nb: OpenNotebook,
  source: string,
  type: CellType,
  index: number | undefined,
): { cell: CellJson; index: number } {
  const cells = mcp.cells.list(nb.uuid);
  const before = index === undefined ? undefined : cells[index]?.id;
  const cell = mcp.cells.add(nb.uuid, { cell_type: type, source, before });
  return { cell, index: mcp.indexOf(nb, cell.id) };
}

function insert(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'insert_cell',
    title: 'Insert a cell',
    access: 'write',
    description:
      'Inserts a new cell (code by default, or markdown or raw) at a position, or at the end, without running ' +
      'it. Returns the new cell id and index. To insert code and run it at once, use insert_and_run_cell.',
    schema: z.strictObject({
      notebook: notebookArg,
      source: z.string().describe('The text of the new cell'),
      cell_type: cellType.optional().describe('code (default), markdown or raw'),
      index: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe('Position of the new cell (0 = first); omit to append'),
    }),
    run: async (args) => {
      const nb = await mcp.notebook(args.notebook);
      const { cell, index } = insertCell(mcp, nb, args.source, args.cell_type ?? 'code', args.index);
      const text = `Inserted ${cell.cell_type} cell ${index} (id ${cell.id}); the notebook now has ${plural(nb.model.cellCount, 'cell')}.`;
      return textResult(text, { cell_id: cell.id, index, cells: nb.model.cellCount });
    },
  });
}

function edit(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'edit_cell',
    title: 'Replace a cell',
    access: 'write',
    description:
      "Replaces a cell's source (and optionally changes its type). Its outputs stay until it runs again; run it " +
      'with run_cell to see the new result.',
    schema: z.strictObject({
      notebook: notebookArg,
      cell: cellArg,
      source: z.string().describe('The new text of the cell (the whole of it)'),
      cell_type: cellType.optional().describe('New type: code, markdown or raw; omit to keep it'),
    }),
    run: async (args) => {
      const nb = await mcp.notebook(args.notebook);
      const { cell, index } = mcp.cell(nb, args.cell);
      const updated = mcp.cells.patch(nb.uuid, cell.id, { source: args.source, cell_type: args.cell_type });
      return textResult(`Cell ${index} (id ${updated.id}) now holds the new ${updated.cell_type} source.`, {
        cell_id: updated.id,
        index,
      });
    },
  });
}

function remove(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'delete_cell',
    title: 'Delete a cell',
    access: 'write',
    description: 'Deletes a cell; the cells after it move up by one. People watching can undo it in d1.',
    schema: z.strictObject({ notebook: notebookArg, cell: cellArg }),
    annotations: { destructiveHint: true },
    run: async (args) => {
      const nb = await mcp.notebook(args.notebook);
      const { cell, index } = mcp.cell(nb, args.cell);
      mcp.cells.delete(nb.uuid, cell.id);
      const text = `Deleted cell ${index} (id ${cell.id}); the notebook now has ${plural(nb.model.cellCount, 'cell')}.`;
      return textResult(text, { cell_id: cell.id, index, cells: nb.model.cellCount });
    },
  });
}

function move(mcp: McpNotebooks): ToolDef {
  return tool({
    name: 'move_cell',
    title: 'Move a cell',
    access: 'write',
    description:
      'Moves a cell so that it ends up at index (0 = first; an index past the end moves it to the end).',
    schema: z.strictObject({
      notebook: notebookArg,
      cell: cellArg,
      index: z.number().int().min(0).describe('Where the cell should end up'),
    }),
    run: async (args) => {
      const nb = await mcp.notebook(args.notebook);
      const { cell, index: from, cells } = mcp.cell(nb, args.cell);
      const others = cells.filter((c) => c.id !== cell.id);
      mcp.cells.move(nb.uuid, cell.id, others[args.index]?.id);
      const to = mcp.indexOf(nb, cell.id);
      return textResult(`Moved cell ${from} (id ${cell.id}) to index ${to}.`, {
        cell_id: cell.id,
        from,
        index: to,
      });
    },
  });
}
