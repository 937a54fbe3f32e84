import { useState } from 'preact/hooks';
import { Session, signIn } from './session';

/** The shared secret or a token; a read-only token gives a view-only page. */
export function SignIn(props: { error: string | null; onSignedIn: (s: Session) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState(props.error);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      props.onSignedIn(await signIn(value));
    } catch (err) {
      setError(
        (err as { status?: number }).status === 401
          ? 'd1 did not accept that secret or token.'
          : (err as Error).message,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>d1</h1>
      <p>Live notebooks, held by the server and shared by everyone who opens them.</p>
      <form onSubmit={submit}>
        <label>
          Secret or token
          <input
            type="password"
            name="secret"
            autocomplete="current-password"
            value={value}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            autofocus
          />
        </label>
        <button type="submit" disabled={busy || value.trim() === ''}>
          Sign in
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </main>
  );
}
