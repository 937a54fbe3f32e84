import type { KeyBinding } from '@codemirror/view';
import { type CellJson, type PendingInput } from '@d1/client';
import { memo } from 'preact/compat';
import { useEffect, useRef, useState } from 'preact/hooks';
import { CellEditor, type EditorNotice } from './editor';
import { Outputs } from './outputs';
import { markdownToHtml } from './render-text';
import { whenNearViewport } from './visibility';

/** What a cell asks of its notebook page; one stable object for every cell. */
export interface CellActions {
  select(id: string): void;
  /** Runs a cell: stay on it, go to the next one, or insert a new one below. */
  run(id: string, then: 'stay' | 'next' | 'insert'): void;
  commandMode(): void;
  registerEditor(id: string, editor: CellEditor | null): void;
  sendSource(id: string, source: string): Promise<void>;
  answerInput(value: string): void;
  cancel(id: string): void;
  split(id: string, at: number): void;
  editMarkdown(id: string, editing: boolean): void;
  /** The cell's source in the newest state (ahead of what was last drawn). */
  sourceOf(id: string): string | undefined;
}

export interface CellProps {
  cell: CellJson;
  selected: boolean;
  canWrite: boolean;
  /** The input() this cell waits for, if any. */
  input: PendingInput | null;
  /** A markdown cell being edited (else it shows rendered). */
  editing: boolean;
  actions: CellActions;
}

/** One cell: prompt and state, source (editor or rendered markdown), input() prompt, outputs. */
export const CellView = memo(function CellView(props: CellProps) {
  const { cell, actions } = props;
  const id = cell.id;
  const state = cell.metadata.jupyter_d1?.execution_state ?? 'idle';
  const rendered = cell.cell_type === 'markdown' && !props.editing;
  return (
    <div
      class={`cell cell-${cell.cell_type}${props.selected ? ' selected' : ''}`}
      data-cell-id={id}
      data-state={state}
      tabIndex={-1}
      onMouseDown={() => actions.select(id)}
    >
      <div class="prompt" title={`execution state: ${state}`}>
        {cell.cell_type === 'code' && <Prompt cell={cell} state={state} />}
        {cell.cell_type === 'code' && state !== 'idle' && (
          <span class={`state state-${state}`}>{state === 'pending' ? 'queued' : 'running'}</span>
        )}
        {props.canWrite && state === 'pending' && (
          <button
            type="button"
            class="link cancel"
            onClick={() => actions.cancel(id)}
            title="Take this cell off the queue"
          >
            cancel
          </button>
        )}
      </div>
      <div class="body">
        {rendered ? (
          <MarkdownView
            source={cell.source}
            onEdit={props.canWrite ? () => actions.editMarkdown(id, true) : undefined}
          />
        ) : (
          <SourceEditor {...props} />
        )}
        {props.input && (
          <InputPrompt input={props.input} canWrite={props.canWrite} onAnswer={actions.answerInput} />
        )}
        {cell.cell_type === 'code' && <Outputs outputs={cell.outputs} />}
      </div>
    </div>
  );
});

function Prompt({ cell, state }: { cell: CellJson; state: string }) {
  const count = cell.cell_type === 'code' ? cell.execution_count : null;
  const shown = state === 'idle' ? (count ?? ' ') : '*';
  return <span class="count">[{shown}]:</span>;
}

function MarkdownView({ source, onEdit }: { source: string; onEdit?: () => void }) {
  const html = markdownToHtml(source || '*Empty markdown cell*');
  return <div class="markdown rendered" onDblClick={onEdit} dangerouslySetInnerHTML={{ __html: html }} />;
}

function SourceEditor(props: CellProps) {
  const { cell, canWrite } = props;
  const host = useRef<HTMLDivElement>(null);
  const [mounted, setMounted] = useState(false);
  const [notice, setNotice] = useState<EditorNotice | null>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    return whenNearViewport(el, () => setMounted(true));
  }, []);
  const editor = useCellEditor(props, mounted ? host.current : null, setNotice);
  const restore = (mine: string) => {
    setNotice(null);
    editor.current?.restore(mine);
  };
  return (
    <div class="source">
      <div class="editor" ref={host} onClick={() => setMounted(true)}>
        {!mounted && <pre class="static-source">{cell.source || ' '}</pre>}
      </div>
      {notice && (
        <NoticeView
          notice={notice}
          canWrite={canWrite}
          onRestore={restore}
          onDismiss={() => setNotice(null)}
        />
      )}
    </div>
  );
}

/** The cell's CodeMirror, created in `host` once it is given, and registered with the notebook's commands. */
function useCellEditor(props: CellProps, host: HTMLElement | null, notice: (n: EditorNotice | null) => void) {
  const { cell, actions, canWrite } = props;
  const editor = useRef<CellEditor | null>(null);
  const focusOnMount = useRef(props.editing);
  useEffect(() => {
    if (!host) return;
    const ed = new CellEditor(host, {
      // The newest source, not this render's: later changes reach the editor as messages arrive.
      source: actions.sourceOf(cell.id) ?? cell.source,
      language: cell.cell_type === 'code' ? 'python' : 'text',
      readOnly: !canWrite,
      send: (source) => actions.sendSource(cell.id, source),
      keys: canWrite ? cellKeys(cell.id, actions, () => editor.current) : leaveKey(actions),
      notice,
      onFocus: () => actions.select(cell.id),
    });
    editor.current = ed;
    actions.registerEditor(cell.id, ed);
    if (focusOnMount.current) ed.focus();
    return () => {
      actions.registerEditor(cell.id, null);
      ed.destroy();
      editor.current = null;
    };
    // The editor lives as long as the cell (and its type); its source follows in NotebookCommands.sourcesChanged.
  }, [host, cell.cell_type]);
  return editor;
}

function NoticeView(props: {
  notice: EditorNotice;
  canWrite: boolean;
  onRestore: (mine: string) => void;
  onDismiss: () => void;
}) {
  const { notice } = props;
  return (
    <div class="notice" role="status">
      {notice.kind === 'replaced'
        ? 'Someone else replaced this cell while you were typing.'
        : 'This cell was edited elsewhere at the same time; both versions are kept.'}
      {notice.kind === 'replaced' && props.canWrite && (
        <button type="button" class="link" onClick={() => props.onRestore(notice.mine)}>
          Restore my text
        </button>
      )}
      <button type="button" class="link" onClick={props.onDismiss}>
        Dismiss
      </button>
    </div>
  );
}

function cellKeys(id: string, actions: CellActions, editor: () => CellEditor | null): KeyBinding[] {
  const run = (then: 'stay' | 'next' | 'insert') => () => {
    actions.run(id, then);
    return true;
  };
  return [
    { key: 'Shift-Enter', run: run('next') },
    { key: 'Mod-Enter', run: run('stay') },
    { key: 'Alt-Enter', run: run('insert') },
    {
      key: 'Escape',
      run: () => {
        actions.commandMode();
        return true;
      },
    },
    {
      key: 'Mod-Shift--',
      run: (view) => {
        const ed = editor();
        if (!ed) return false;
        void ed.flush().then(() => actions.split(id, view.state.selection.main.head));
        return true;
      },
    },
  ];
}

/** A read-only editor only lets the keyboard leave it. */
function leaveKey(actions: CellActions): KeyBinding[] {
  return [
    {
      key: 'Escape',
      run: () => {
        actions.commandMode();
        return true;
      },
    },
  ];
}

function InputPrompt(props: { input: PendingInput; canWrite: boolean; onAnswer: (v: string) => void }) {
  const [value, setValue] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    props.onAnswer(value);
  };
  return (
    <form class="input-request" onSubmit={submit}>
      <label>
        <span class="input-prompt">{props.input.prompt}</span>
        {props.canWrite ? (
          <input
            type={props.input.password ? 'password' : 'text'}
            value={value}
            autofocus
            aria-label="Answer to input()"
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          />
        ) : (
          <span class="muted">(waiting for input)</span>
        )}
      </label>
    </form>
  );
}
