import type { NotebookCommands } from './commands';

let last: { key: string; at: number } = { key: '', at: 0 };

/** Pressed twice within this time, `D`, `I` and `0` act (as in Jupyter). */
const DOUBLE_MS = 600;

function twice(key: string): boolean {
  const now = Date.now();
  const hit = last.key === key && now - last.at < DOUBLE_MS;
  last = hit ? { key: '', at: 0 } : { key, at: now };
  return hit;
}

/**
 * Jupyter's command-mode keys, for when no editor has the keyboard: Enter edits, arrows/J/K move, A/B add,
 * D D deletes, M/Y/R set the type, Shift-M merges, Z/Shift-Z undo/redo, I I interrupts, 0 0 restarts, and
 * Shift-Enter / Ctrl-Enter / Alt-Enter run.
 */
export function commandModeKey(e: KeyboardEvent, c: NotebookCommands): void {
  const target = e.target as HTMLElement;
  if (target.closest('.cm-editor, input, textarea, select, button')) return;
  const handled = handle(e, c);
  if (handled) e.preventDefault();
}

function handle(e: KeyboardEvent, c: NotebookCommands): boolean {
  if (e.key === 'Enter') {
    if (e.shiftKey) c.runSelected('next');
    else if (e.ctrlKey || e.metaKey) c.runSelected('stay');
    else if (e.altKey) c.runSelected('insert');
    else c.editSelected();
    return true;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return false;
  switch (e.key) {
    case 'ArrowUp':
    case 'k':
      c.selectNeighbour(-1);
      return true;
    case 'ArrowDown':
    case 'j':
      c.selectNeighbour(1);
      return true;
    case 'a':
      void c.addCell('code', 'above');
      return true;
    case 'b':
      void c.addCell('code', 'below');
      return true;
    case 'd':
      if (twice('d')) c.deleteSelected();
      return true;
    case 'm':
      c.setType('markdown');
      return true;
    case 'y':
      c.setType('code');
      return true;
    case 'r':
      c.setType('raw');
      return true;
    case 'M':
      c.mergeSelected();
      return true;
    case 'z':
      c.undo();
      return true;
    case 'Z':
      c.redo();
      return true;
    case 'i':
      if (twice('i')) c.interrupt();
      return true;
    case '0':
      if (twice('0')) c.restart('nothing');
      return true;
    default:
      return false;
  }
}
