import type { DisplayTracker } from './outputs';

/** Which cells show which `display_id`, so update_display_data reaches every cell of the notebook. */
export class DisplayIndex {
  private readonly cellsById = new Map<string, Set<string>>();

  /** The tracker a cell's outputs report to. */
  trackerFor(cellUuid: string): DisplayTracker {
    return {
      track: (displayId) => {
        const cells = this.cellsById.get(displayId);
        if (cells) cells.add(cellUuid);
        else this.cellsById.set(displayId, new Set([cellUuid]));
      },
      untrack: (displayIds) => {
        for (const displayId of displayIds) {
          const cells = this.cellsById.get(displayId);
          cells?.delete(cellUuid);
          if (cells?.size === 0) this.cellsById.delete(displayId);
        }
      },
    };
  }

  /** Uuids of the cells that have shown `displayId`, in no particular order. */
  cellsShowing(displayId: string): string[] {
    return [...(this.cellsById.get(displayId) ?? [])];
  }
}
