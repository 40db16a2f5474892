// "Serial, latest wins": the one way core runs a step that applies or sends the newest state of something
// (a table to a driver, a status to the API, a pod's containers to its spec). Runs never overlap, so an
// older state can never land after a newer one; requests made during a run are folded into exactly one
// more run, with the newest input, so a burst costs two runs, not a pile.

/** An error a run threw, with the input it ran on. */
export type SerialErrorHandler<T> = (error: Error, input: T) => void;

export class LatestWins<T = void> {
  private running?: Promise<void>;
  /** The input of the run after the current one, if one was requested meanwhile. */
  private next?: { input: T };
  private stopped = false;

  /**
   * @param run the step; it gets the newest input requested before it started.
   * @param onError told of every failed run (a failure never rejects the promise a caller awaits, and the
   *   next request runs again as usual).
   */
  constructor(
    private readonly run: (input: T) => Promise<void>,
    private readonly onError: SerialErrorHandler<T>,
  ) {}

  /**
   * Runs `input` now, or once the run in flight ends (replacing any input still waiting). Resolves when a
   * run that started after this call has ended; at once after stop().
   */
  request(input: T): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.next = { input };
    return (this.running ??= this.drain());
  }

  /** Whether a run is in flight or due. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** No run starts any more; resolves when the one in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.next = undefined;
    await this.running;
  }

  /** Runs what is due; the first run starts synchronously, as request() is called. */
  private async drain(): Promise<void> {
    try {
      while (this.next && !this.stopped) {
        const { input } = this.next;
        this.next = undefined;
        try {
          await this.invoke(input);
        } catch (e) {
          this.report(e, input);
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  /** The run as a promise even when it throws synchronously: drain() always awaits, so `running` is set before it ends. */
  private invoke(input: T): Promise<void> {
    try {
      return Promise.resolve(this.run(input));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private report(e: unknown, input: T): void {
    try {
      this.onError(e instanceof Error ? e : new Error(String(e)), input);
    } catch {
      // A handler that throws must not stop the runs that are due.
    }
  }
}

/** One LatestWins per key (e.g. per pod): keys run independently, each serially; idle keys hold nothing. */
export class LatestWinsByKey<K, T = void> {
  private readonly byKey = new Map<K, LatestWins<T>>();
  private stopped = false;

  constructor(
    private readonly run: (key: K, input: T) => Promise<void>,
    private readonly onError: (error: Error, key: K, input: T) => void,
  ) {}

  request(key: K, input: T): Promise<void> {
    if (this.stopped) return Promise.resolve();
    let serial = this.byKey.get(key);
    if (!serial) {
      serial = new LatestWins<T>(
        (i) => this.run(key, i),
        (e, i) => this.onError(e, key, i),
      );
      this.byKey.set(key, serial);
    }
    const s = serial;
    return s.request(input).finally(() => {
      if (!s.busy && this.byKey.get(key) === s) this.byKey.delete(key);
    });
  }

  /** Whether the key has a run in flight or due. */
  busy(key: K): boolean {
    return this.byKey.get(key)?.busy ?? false;
  }

  /** No run starts any more; resolves when every run in flight has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.byKey.values()].map((s) => s.stop()));
  }
}
