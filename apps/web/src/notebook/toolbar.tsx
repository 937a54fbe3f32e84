import { useState } from 'preact/hooks';
import type { NotebookCommands } from './commands';

type Naming = 'save_as' | 'rename' | null;

/** The notebook's actions, each with its Jupyter key in the title (shown only with write access). */
export function Toolbar({ commands: c }: { commands: NotebookCommands }) {
  const [naming, setNaming] = useState<Naming>(null);
  const [path, setPath] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (naming && (await c.saveTo(naming, path))) setNaming(null);
  };
  const b = (label: string, title: string, run: () => void) => (
    <button type="button" title={title} aria-label={title} onClick={run}>
      {label}
    </button>
  );
  return (
    <div class="toolbar" role="toolbar" aria-label="Notebook actions">
      <span class="group">
        {b('▶ Run', 'Run the selected cell (Shift-Enter)', () => c.runSelected('next'))}
        {b('▶▶ Run all', 'Run all cells', () => void c.runAll())}
        {b('■ Interrupt', 'Interrupt the kernel (I, I)', () => c.interrupt())}
        {b('↻ Restart', 'Restart the kernel (0, 0)', () => c.restart('nothing'))}
        {b('↻ Restart & run all', 'Restart the kernel and run all cells', () => c.restart('run_all'))}
      </span>
      <span class="group">
        {b('+ Above', 'Insert a cell above (A)', () => void c.addCell('code', 'above'))}
        {b('+ Below', 'Insert a cell below (B)', () => void c.addCell('code', 'below'))}
        {b('✕ Delete', 'Delete the selected cell (D, D)', () => c.deleteSelected())}
        {b('↑', 'Move the selected cell up', () => c.moveSelected(-1))}
        {b('↓', 'Move the selected cell down', () => c.moveSelected(1))}
        {b('Merge ↓', 'Merge with the cell below (Shift-M)', () => c.mergeSelected())}
        {b('Split', 'Split the cell at the cursor (Ctrl-Shift-Minus)', () => c.splitSelected())}
      </span>
      <span class="group">
        <select
          aria-label="Cell type"
          onChange={(e) => c.setType((e.target as HTMLSelectElement).value as 'code')}
        >
          <option value="code">Code (Y)</option>
          <option value="markdown">Markdown (M)</option>
          <option value="raw">Raw (R)</option>
        </select>
        {b('Clear', 'Clear the selected cell’s outputs', () => c.clearOutputs(false))}
        {b('Clear all', 'Clear every output', () => c.clearOutputs(true))}
      </span>
      <span class="group">
        {b('↶ Undo', 'Undo the last cell change (Z)', () => c.undo())}
        {b('↷ Redo', 'Redo (Shift-Z)', () => c.redo())}
        {b('Save as…', 'Save as a new file', () => setNaming('save_as'))}
        {b('Rename…', 'Rename the notebook file', () => setNaming('rename'))}
      </span>
      {naming && (
        <form class="inline-form naming" onSubmit={submit}>
          <input
            aria-label={naming === 'save_as' ? 'Save as path' : 'New name'}
            placeholder="dir/name.ipynb"
            value={path}
            autofocus
            onInput={(e) => setPath((e.target as HTMLInputElement).value)}
          />
          <button type="submit">{naming === 'save_as' ? 'Save as' : 'Rename'}</button>
          <button type="button" class="link" onClick={() => setNaming(null)}>
            Cancel
          </button>
        </form>
      )}
    </div>
  );
}
