import { useEffect, useState } from 'preact/hooks';
import { Home } from './home';
import { NotebookPage } from './notebook/notebook-page';
import { useRoute } from './route';
import { Session, restoreSession, signOut, takeTokenFromLink } from './session';
import { SignIn } from './sign-in';

/** Signs in (stored token, `?token=` link, or the form), then shows the file browser or a notebook. */
export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const route = useRoute();

  useEffect(() => {
    takeTokenFromLink();
    restoreSession()
      .then(setSession, (err: Error) => setError(err.message))
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <p class="loading">Loading…</p>;
  if (!session) return <SignIn error={error} onSignedIn={setSession} />;
  const leave = () => {
    signOut();
    setSession(null);
  };
  return (
    <div class="app">
      <header class="topbar">
        <a class="brand" href="#/">
          d1
        </a>
        {!session.canWrite && <span class="badge readonly">read-only</span>}
        <span class="spacer" />
        <button type="button" class="link" onClick={leave}>
          Sign out
        </button>
      </header>
      {route.page === 'notebook' ? (
        <NotebookPage key={route.uuid} session={session} uuid={route.uuid} />
      ) : (
        <Home session={session} dir={route.dir} />
      )}
    </div>
  );
}
