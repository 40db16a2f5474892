import { LatestWins } from '../util/serial';

/**
 * The node stream's "compute the current state and send it" steps, on the shared LatestWins: runs never
 * overlap (an older map could otherwise go out after a newer one, and a receiver keep it until the next
 * change) and a trigger during a run causes exactly one more run after it.
 */
export function serialRefresh(run: () => Promise<void>, onError: (e: Error) => void): () => Promise<void> {
  const serial = new LatestWins<void>(run, onError);
  return () => serial.request();
}
