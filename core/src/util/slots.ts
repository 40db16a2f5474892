// A counting semaphore: at most `size` holders at once, the others wait in the order they came.

export class Slots {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`slots: size must be a positive integer, not ${size}`);
  }

  /**
   * Resolves with the function that gives the slot back (calling it again does nothing). With `holdMs`, the
   * slot goes back by itself after that long (then `onExpire` is called): a holder that hangs (an engine
   * that never answers) does not keep the others waiting for ever.
   */
  async acquire(limit?: { holdMs: number; onExpire?: () => void }): Promise<() => void> {
    if (this.held < this.size) this.held++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // handed over with the slot held
    let given = false;
    const giveBack = () => {
      if (given) return;
      given = true;
      clearTimeout(timer);
      const next = this.waiting.shift();
      if (next) next();
      else this.held--;
    };
    const timer = limit
      ? setTimeout(() => {
          if (given) return;
          giveBack();
          limit.onExpire?.();
        }, limit.holdMs).unref()
      : undefined;
    return giveBack;
  }

  /** Holders now, and callers waiting. */
  get load(): { held: number; waiting: number } {
    return { held: this.held, waiting: this.waiting.length };
  }
}
