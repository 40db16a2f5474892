// At most one call per interval, the last value always delivered: what a burst of progress reports needs
// (the first goes at once, the rest wait and only the newest of them is sent when the interval is up).

export class Throttle<T> {
  private last = -Infinity;
  private pending?: { value: T };
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (value: T) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(value: T): void {
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0 && !this.timer) return this.deliver(value);
    this.pending = { value };
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const p = this.pending;
      this.pending = undefined;
      if (p) this.deliver(p.value);
    }, Math.max(0, wait));
    this.timer.unref?.();
  }

  /** Drops what waits (a newer report supersedes it). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private deliver(value: T): void {
    this.last = this.now();
    this.send(value);
  }
}
