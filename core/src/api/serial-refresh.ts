/**
 * Wraps an async "compute the current state and send it" step so that runs never overlap: a trigger
 * during a run causes exactly one more run after it. Overlapping runs could finish out of order and
 * send an older state after a newer one, which a receiver then keeps until the next change.
 */
export function serialRefresh(run: () => Promise<void>, onError: (e: Error) => void): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  const loop = async () => {
    try {
      do {
        again = false;
        await run();
      } while (again);
    } catch (e) {
      onError(e as Error);
    } finally {
      running = undefined;
    }
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    return (running = loop());
  };
}
