import {
  type CellJson,
  type CellType,
  LiveNotebook,
  type NotebookState,
  ServerFeed,
  cellUuid,
  kernelActivity,
} from '@d1/client';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Session } from '../session';
import { CellView } from './cell-view';
import { NotebookCommands } from './commands';
import { commandModeKey } from './keys';
import { Toolbar } from './toolbar';

/** One live notebook: it renders only what d1's websocket says, and acts through REST. */
export function NotebookPage({ session, uuid }: { session: Session; uuid: string }) {
  const live = useMemo(() => new LiveNotebook({ client: session.client, uuid }), [session, uuid]);
  const [selected, setSelected] = useState<string | null>(null);
  const [editingMarkdown, setEditingMarkdown] = useState<ReadonlySet<string>>(new Set());
  const [message, setMessage] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const commands = useMemo(
    () =>
      new NotebookCommands({
        client: session.client,
        uuid,
        state: () => live.state,
        selected: () => selectedRef.current,
        select: (id) => setSelected(id),
        editMarkdown: (id, editing) => setEditingMarkdown((s) => toggled(s, id, editing)),
        focusCell: (id) => root.current?.querySelector<HTMLElement>(`[data-cell-id="${id}"]`)?.focus(),
        report: setMessage,
      }),
    [session, uuid, live],
  );
  const loadError = useLive(live, commands);
  useClosedElsewhere(session, live);
  useEffect(() => {
    if (!session.canWrite) return;
    // On the document rather than the notebook's element: deleting the cell that has the focus leaves it on
    // <body>, and command-mode keys must go on working then, as in Jupyter.
    const onKey = (e: KeyboardEvent): void => commandModeKey(e, commands);
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [session, commands]);
  const state = live.state;
  if (loadError || !state) return <Opening error={loadError} />;
  return (
    <main class="notebook" ref={root} data-status={live.status} data-version={state.version}>
      <Header live={live} state={state} />
      {session.canWrite && <Toolbar commands={commands} />}
      <Banners live={live} state={state} commands={commands} canWrite={session.canWrite} />
      {message && (
        <p class="error" role="alert">
          {message}{' '}
          <button type="button" class="link" onClick={() => setMessage(null)}>
            Dismiss
          </button>
        </p>
      )}
      <Cells
        state={state}
        selected={selected}
        editingMarkdown={editingMarkdown}
        canWrite={session.canWrite}
        commands={commands}
      />
    </main>
  );
}

/**
 * Follows the notebook, redrawing on its changes, and hands every message to the editors as it arrives.
 * Returns why it could not be loaded, if so.
 */
function useLive(live: LiveNotebook, commands: NotebookCommands): string | null {
  const [, setTick] = useState(0);
  const [loadError, setLoadError] = useState<string | null>(null);
  const commandsRef = useRef(commands);
  commandsRef.current = commands;
  useEffect(() => {
    // Messages can come by the hundred per second: after a quiet spell the first one is drawn at once, the
    // ones that follow it at most once per frame.
    let frame = 0;
    let lastDraw = 0;
    const draw = () => {
      frame = 0;
      lastDraw = performance.now();
      setTick((t) => t + 1);
    };
    const off = live.subscribe(() => {
      if (frame) return;
      if (performance.now() - lastDraw > QUIET_MS) draw();
      else frame = requestAnimationFrame(draw);
    });
    const offMessages = live.onMessage((msg) => commandsRef.current.sourcesChanged(msg));
    live.start().catch((err: Error) => setLoadError(err.message));
    return () => {
      off();
      offMessages();
      cancelAnimationFrame(frame);
      live.close();
    };
  }, [live]);
  return loadError;
}

/**
 * d1 keeps a closed notebook's websockets open, silent: the open-notebook list (/server/ws) tells the page
 * when its notebook was closed, so it can say so instead of showing a notebook that no longer changes.
 */
function useClosedElsewhere(session: Session, live: LiveNotebook): void {
  useEffect(() => {
    const feed = new ServerFeed({ client: session.client });
    const off = feed.subscribe((f) => {
      if (f.loaded && f.online && !f.notebooks.some((n) => n.uuid === live.uuid) && live.status !== 'closed')
        live.close('the notebook was closed');
    });
    feed.start().catch(() => undefined);
    return () => {
      off();
      feed.stop();
    };
  }, [session, live]);
}

function toggled(set: ReadonlySet<string>, id: string, on: boolean): ReadonlySet<string> {
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

function Opening({ error }: { error: string | null }) {
  return (
    <main class="notebook">
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : (
        <p class="muted">Opening…</p>
      )}
    </main>
  );
}

function Header({ live, state }: { live: LiveNotebook; state: NotebookState }) {
  const name = String((state.metadata.jupyter_d1 as { name?: string } | undefined)?.name ?? 'Untitled');
  return (
    <div class="nb-header">
      <h1 class="nb-name">{name}</h1>
      <ConnectionBadge status={live.status} />
      <span class={`kernel kernel-${kernelActivity(state)}`} title="kernel state">
        {kernelName(state)}: {kernelActivity(state)}
      </span>
    </div>
  );
}

interface CellsProps {
  state: NotebookState;
  selected: string | null;
  editingMarkdown: ReadonlySet<string>;
  canWrite: boolean;
  commands: NotebookCommands;
}

function Cells({ state, selected, editingMarkdown, canWrite, commands }: CellsProps) {
  const shown = useProgressiveCount(state.cells.length);
  return (
    <>
      <div class="cells">
        {state.cells.slice(0, shown).map((cell: CellJson) => {
          const id = cellUuid(cell);
          return (
            <CellView
              key={id}
              cell={cell}
              selected={id === selected}
              canWrite={canWrite}
              input={state.input?.cell_id === id ? state.input : null}
              editing={editingMarkdown.has(id)}
              actions={commands}
            />
          );
        })}
      </div>
      {canWrite && (
        <div class="add-cells">
          {(['code', 'markdown', 'raw'] as CellType[]).map((t) => (
            <button key={t} type="button" onClick={() => commands.addCell(t, 'end')}>
              + {t}
            </button>
          ))}
        </div>
      )}
    </>
  );
}

/** A change after this long without one is drawn at once rather than at the next frame. */
const QUIET_MS = 50;

/** Cells drawn at first, and added per frame after it: a long notebook shows at once and never blocks. */
const FIRST_CELLS = 50;
const CELLS_PER_FRAME = 100;

function useProgressiveCount(total: number): number {
  const [shown, setShown] = useState(FIRST_CELLS);
  useEffect(() => {
    if (shown >= total) return;
    const frame = requestAnimationFrame(() => setShown((n) => n + CELLS_PER_FRAME));
    return () => cancelAnimationFrame(frame);
  }, [shown, total]);
  return shown;
}

function kernelName(state: NotebookState): string {
  const spec = state.metadata.kernelspec as { display_name?: string } | undefined;
  return state.kernel?.kernel_name ?? spec?.display_name ?? 'kernel';
}

function ConnectionBadge({ status }: { status: LiveNotebook['status'] }) {
  if (status === 'live') return <span class="badge live">live</span>;
  return <span class={`badge ${status}`}>{status}</span>;
}

function Banners(props: {
  live: LiveNotebook;
  state: NotebookState;
  commands: NotebookCommands;
  canWrite: boolean;
}) {
  const { live, state, commands } = props;
  return (
    <>
      {live.status === 'offline' && (
        <p class="banner offline" role="status">
          Offline: reconnecting to d1…
        </p>
      )}
      {live.status === 'resyncing' && (
        <p class="banner resyncing" role="status">
          Reconnected: catching up with d1…
        </p>
      )}
      {live.status === 'closed' && (
        <p class="banner closed" role="alert">
          This notebook is no longer followed: {live.closedBecause}. <a href="#/">Back to the files</a>
        </p>
      )}
      {state.fileChanged && (
        <p class="banner file-changed" role="alert">
          The file {state.fileChanged} was changed outside this notebook.
          {props.canWrite && (
            <button type="button" onClick={() => commands.reload()}>
              Reload from disk
            </button>
          )}
        </p>
      )}
    </>
  );
}
