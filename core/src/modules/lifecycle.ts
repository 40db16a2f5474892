// Start-up and shutdown of the parts of a process. Nest calls each module's hooks in the order of the
// module graph (a module after the modules it imports; the reverse on shutdown). A part starts through
// Lifecycle.start, which lets start-up end at the first failure: the parts after it do not start, the
// caller closes the application (every part that started stops) and throws that first error as it was.
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '../kernel/logger';
import { LOGGER } from './tokens';

@Injectable()
export class Lifecycle {
  private failed?: Error;

  constructor(@Inject(LOGGER) private readonly log: Logger) {}

  /** The first start-up failure, if any. */
  get failure(): Error | undefined {
    return this.failed;
  }

  /**
   * Starts one part unless an earlier one failed. Nest's own init would stop at a throwing hook and
   * leave no application to close, so a failure is kept here instead of thrown.
   */
  async start(part: string, fn: () => Promise<void> | void): Promise<void> {
    if (this.failed) return;
    try {
      await fn();
      this.log.debug(`started ${part}`);
    } catch (e) {
      this.failed = e instanceof Error ? e : new Error(String(e));
      this.log.debug(`${part} failed to start: ${this.failed.message}`);
    }
  }

  /** Stops one part; a failure is logged, never thrown, so the parts after it stop too. */
  async stop(part: string, fn: () => Promise<void> | void): Promise<void> {
    try {
      await fn();
      this.log.debug(`stopped ${part}`);
    } catch (e) {
      this.log.warn(`shutdown: ${part}: ${(e as Error).message}`);
    }
  }
}

/** A started part's value; reading it before its part started is a wiring error, said as such. */
export function started<T>(value: T | undefined, part: string): T {
  if (value === undefined) throw new Error(`${part} is not started`);
  return value;
}
