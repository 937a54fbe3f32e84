import { Inject, Injectable } from '@nestjs/common';
import { type CellJson, isUuid } from '@d1/notebook';
import { D1_CONFIG, D1Config } from '../app-config';
import { D1Error, cellNotFound } from '../common/errors';
import { NotebookEvents } from '../events/notebook-events';
import { CellsService } from '../notebooks/cells.service';
import { ExecutionService } from '../execution/execution.service';
import { NotebookSession } from '../execution/notebook-session.service';
import { NotebooksService } from '../notebooks/notebooks.service';
import type { OpenNotebook } from '../notebooks/open-notebook';
import { confine, relativeToRoot } from '../notebooks/paths';

/** A cell found by id or position, with its current index. */
export interface FoundCell {
  cell: CellJson;
  index: number;
  cells: CellJson[];
}

/**
 * The services the tools work through (the same ones the REST controllers call, so every change reaches
 * websocket clients the same way), and how an agent's references to notebooks and cells are resolved.
 */
@Injectable()
export class McpNotebooks {
  constructor(
    @Inject(D1_CONFIG) readonly config: D1Config,
    readonly notebooks: NotebooksService,
    readonly cells: CellsService,
    readonly execution: ExecutionService,
    readonly session: NotebookSession,
    readonly events: NotebookEvents,
  ) {}

  /** An open notebook named by its uuid or by its path (relative to the root dir). */
  async notebook(ref: string): Promise<OpenNotebook> {
    if (isUuid(ref)) return this.notebooks.get(ref);
    const file = await confine(this.config.rootDir, ref);
    const open = this.notebooks.all();
    const found = open.find((nb) => nb.path === file) ?? open.find((nb) => nb.path === `${file}.ipynb`);
    if (found) return found;
    throw new D1Error(
      404,
      'NOTEBOOK_NOT_FOUND',
      `No open notebook at ${ref}; open it with open_notebook, or use a uuid from list_notebooks`,
      null,
    );
  }

  /** A cell named by its id, or by its position (an integer, or a string of digits). */
  cell(nb: OpenNotebook, ref: string | number): FoundCell {
    const cells = this.cells.list(nb.uuid);
    const asIndex = typeof ref === 'number' ? ref : /^\d+$/.test(ref) ? Number(ref) : null;
    if (asIndex !== null) {
      if (asIndex < cells.length) return { cell: cells[asIndex], index: asIndex, cells };
      const range = cells.length ? `0-${cells.length - 1}` : 'none: the notebook is empty';
      throw new D1Error(
        404,
        'CELL_NOT_FOUND',
        `No cell at index ${asIndex}; cell indices are ${range}`,
        null,
      );
    }
    const index = cells.findIndex((c) => c.id === String(ref).toLowerCase());
    if (index < 0) throw cellNotFound(String(ref));
    return { cell: cells[index], index, cells };
  }

  /** The index of a cell now (cells move while an agent waits), or -1 once it is gone. */
  indexOf(nb: OpenNotebook, cellId: string): number {
    return this.cells.list(nb.uuid).findIndex((c) => c.id === cellId);
  }

  /** The notebook's path as an agent should name it: relative to the root dir, or null when in memory. */
  pathOf(nb: OpenNotebook): string | null {
    return nb.path ? relativeToRoot(this.config.rootDir, nb.path) : null;
  }

  /** The notebook's kernel language, for code fences. */
  language(nb: OpenNotebook): string {
    return (nb.kernelspec.language ?? '').toLowerCase();
  }
}
