import type { CellJson } from '@d1/notebook';
import type { OpenNotebook } from '../notebooks/open-notebook';
import type { McpNotebooks } from './mcp-notebooks';

/** An open notebook as the listing tools and resources describe it. */
export interface NotebookSummary {
  uuid: string;
  name: string;
  path: string | null;
  cells: number;
  kernel: { name: string; state: string };
  [key: string]: unknown;
}

/** The kernel's state as d1 knows it; `starting` while a notebook has no kernel connection yet. */
export function kernelState(mcp: McpNotebooks, nb: OpenNotebook): string {
  const kernel = mcp.execution.currentKernel(nb);
  if (!kernel) return 'starting';
  return kernel.isDisposed ? 'dead' : kernel.status;
}

/** The facts an agent needs to pick a notebook. */
export function summarize(mcp: McpNotebooks, nb: OpenNotebook): NotebookSummary {
  const d1 = nb.model.metadata.jupyter_d1 as { name?: string } | undefined;
  return {
    uuid: nb.uuid,
    name: d1?.name ?? 'Untitled',
    path: mcp.pathOf(nb),
    cells: nb.model.cellCount,
    kernel: { name: nb.kernelspec.name, state: kernelState(mcp, nb) },
  };
}

/** `1 cell`, `3 cells`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** One line per notebook: `report.ipynb · uuid … · 12 cells · kernel python3 (idle)`. */
export function summaryLine(s: NotebookSummary): string {
  const where = s.path ?? `${s.name} (in memory, no file)`;
  return `${where} · uuid ${s.uuid} · ${plural(s.cells, 'cell')} · kernel ${s.kernel.name} (${s.kernel.state})`;
}

/** One line per cell: index, type, id and the first line of its source. */
export function outline(cells: CellJson[]): string {
  return cells
    .map((c, i) => {
      const first = c.source.split('\n', 1)[0];
      const more = c.source.includes('\n') ? ' …' : '';
      return `${i}. ${c.cell_type} ${c.id}: ${first.length > 100 ? `${first.slice(0, 100)}…` : first}${more}`;
    })
    .join('\n');
}
