import { type DirEntry, type NotebookEntry, ServerFeed } from '@d1/client';
import { useEffect, useState } from 'preact/hooks';
import { dirHref, notebookHref } from './route';
import type { Session } from './session';

/** The open notebooks (live from /server/ws) and the root dir's files (WebDAV), with open and create. */
export function Home(props: { session: Session; dir: string }) {
  return (
    <main class="home">
      <OpenNotebooks session={props.session} />
      <Files session={props.session} dir={props.dir} />
    </main>
  );
}

function OpenNotebooks({ session }: { session: Session }) {
  const [list, setList] = useState<NotebookEntry[] | null>(null);
  const [online, setOnline] = useState(true);
  useEffect(() => {
    const feed = new ServerFeed({ client: session.client });
    const off = feed.subscribe((f) => {
      setList([...f.notebooks]);
      setOnline(f.online);
    });
    feed.start().catch(() => setList([]));
    return () => {
      off();
      feed.stop();
    };
  }, [session]);
  return (
    <section class="panel" aria-label="Open notebooks">
      <h2>Open notebooks {!online && <span class="badge offline">offline</span>}</h2>
      {list === null ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted">No notebook is open.</p>
      ) : (
        <ul class="entries">
          {list.map((nb) => (
            <li key={nb.uuid}>
              <a href={notebookHref(nb.uuid)} class="nb-link">
                {nb.name}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Files({ session, dir }: { session: Session; dir: string }) {
  const [entries, setEntries] = useState<DirEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setEntries(null);
    session.client.listDirectory(dir).then(setEntries, (err: Error) => setError(err.message));
  }, [session, dir]);

  const open = async (path: string) => {
    try {
      const nb = await session.client.openNotebook(path);
      location.hash = notebookHref(String((nb.metadata.jupyter_d1 as { uuid: string }).uuid));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const parts = dir.split('/').filter(Boolean);
  return (
    <section class="panel" aria-label="Files">
      <h2>Files</h2>
      <nav class="crumbs">
        <a href={dirHref('')}>root</a>
        {parts.map((p, i) => (
          <span key={i}>
            {' / '}
            <a href={dirHref(parts.slice(0, i + 1).join('/'))}>{p}</a>
          </span>
        ))}
      </nav>
      {session.canWrite && <CreateNotebook session={session} dir={dir} onError={setError} />}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {entries === null ? (
        <p class="muted">Loading…</p>
      ) : (
        <ul class="entries files">
          {entries.length === 0 && <li class="muted">This directory is empty.</li>}
          {entries.map((e) => (
            <li key={e.path} class={e.isDirectory ? 'dir' : 'file'}>
              {e.isDirectory ? (
                <a href={dirHref(e.path)}>{e.name}/</a>
              ) : e.name.endsWith('.ipynb') && session.canWrite ? (
                <button type="button" class="link" onClick={() => void open(e.path)}>
                  {e.name}
                </button>
              ) : (
                <span>{e.name}</span>
              )}
              {e.size !== null && <span class="muted size">{formatSize(e.size)}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CreateNotebook(props: { session: Session; dir: string; onError: (e: string) => void }) {
  const [name, setName] = useState('');
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const nb = await props.session.client.createNotebook({
        filename: name.trim(),
        directory: props.dir || undefined,
      });
      location.hash = notebookHref(String((nb.metadata.jupyter_d1 as { uuid: string }).uuid));
    } catch (err) {
      props.onError((err as Error).message);
    }
  };
  return (
    <form class="inline-form" onSubmit={create}>
      <input
        placeholder="new-notebook.ipynb"
        aria-label="New notebook name"
        value={name}
        onInput={(e) => setName((e.target as HTMLInputElement).value)}
      />
      <button type="submit" disabled={name.trim() === ''}>
        New notebook
      </button>
    </form>
  );
}

function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
