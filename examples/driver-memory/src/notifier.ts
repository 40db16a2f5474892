// Wakes the readers of a growing log or event queue: wait() resolves at the next notify(), or when the
// reader's signal aborts, whichever comes first. Abort listeners are removed, so long follows do not leak.
export class Notifier {
  private waiters = new Set<() => void>();

  notify(): void {
    const now = this.waiters;
    this.waiters = new Set();
    for (const w of now) w();
  }

  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
