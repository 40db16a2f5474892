// What a page says while its live data is not (yet) there.
import type { LiveState } from '../watch';

export function Connection({ states }: { states: Pick<LiveState<unknown>, 'down' | 'synced' | 'error'>[] }) {
  const error = states.find((s) => s.error)?.error;
  if (error) return <p role="alert" class="error">{error}</p>;
  if (states.some((s) => s.down)) return <p role="status" class="down" data-testid="disconnected">Disconnected — reconnecting…</p>;
  if (states.some((s) => !s.synced)) return <p role="status">Loading…</p>;
  return <p role="status" class="live">Live</p>;
}
