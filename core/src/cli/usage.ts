// Usage mistakes (an unknown kind, a bad flag value, a missing argument) exit 2, as commander's own
// usage errors do; every other failure exits 1. Scripts can tell "I called it wrong" from "it failed".
import { LbError } from '@lastbackend/sdk/errors';

export class UsageError extends LbError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'UsageError';
  }
}

/** A usage-level mistake the user can fix: exits 2 with "error: <message>". */
export const usage = (message: string): UsageError => new UsageError(message);

export const USAGE_EXIT_CODE = 2;
