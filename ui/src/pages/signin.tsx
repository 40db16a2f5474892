// Sign-in with an API token (`lb token create`, or the cluster owner's token). A refused token shows the
// server's reason and the form stays.
import { useState } from 'preact/hooks';
import { keepToken, whoami, type Identity } from '../api';

export function SignIn({ onSignedIn }: { onSignedIn: (me: Identity) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const me = await whoami(token.trim());
      keepToken(token.trim());
      onSignedIn(me);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>Sign in to Last.Backend</h1>
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} aria-describedby="token-help" aria-invalid={error ? true : undefined} />
        <p id="token-help" class="help">An admin, deployer or viewer token (<code>lb token create</code>). It is kept for this browser tab only.</p>
        {error && <p role="alert" class="error" data-testid="signin-error">{error}</p>}
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
    </main>
  );
}
