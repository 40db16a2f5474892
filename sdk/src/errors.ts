// Coded errors shared by the API, the kernel, drivers and the CLI. `retryable` tells a caller whether
// trying again can help; `status` is the HTTP status the API answers with.

export const ERROR_CODES = {
  INVALID_ARGUMENT: { status: 400, retryable: false },
  UNAUTHORIZED: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  ALREADY_EXISTS: { status: 409, retryable: false },
  CONFLICT: { status: 409, retryable: true },
  FAILED_PRECONDITION: { status: 412, retryable: false },
  /** A request body over the route's size limit. */
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  /** A route of the original's API that has no meaning here (or not yet): the message names the replacement. */
  NOT_IMPLEMENTED: { status: 501, retryable: false },
  UNAVAILABLE: { status: 503, retryable: true },
  TIMEOUT: { status: 504, retryable: true },
  INTERNAL: { status: 500, retryable: false },
  DRIVER_NOT_FOUND: { status: 400, retryable: false },
  DRIVER_INVALID: { status: 400, retryable: false },
  DRIVER_KIND_MISMATCH: { status: 400, retryable: false },
  DRIVER_API_MISMATCH: { status: 400, retryable: false },
  DRIVER_CONFIG_INVALID: { status: 400, retryable: false },
  DRIVER_PROBE_FAILED: { status: 503, retryable: true },
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  /** Dotted path of the field, e.g. "spec.template.containers.0.image.name". */
  field: string;
  reason: string;
}

export class LbError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { fields?: FieldError[]; fix?: string } = {},
  ) {
    super(details.fix ? `${message}. Fix: ${details.fix}` : message);
    this.name = 'LbError';
    this.status = ERROR_CODES[code].status;
    this.retryable = ERROR_CODES[code].retryable;
  }

  toJSON(): ErrorBody {
    return { code: this.code, message: this.message, fields: this.details.fields };
  }
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  fields?: FieldError[];
}

export const isLbError = (e: unknown): e is LbError => e instanceof LbError;

export function invalid(fields: FieldError[], prefix = 'invalid input'): LbError {
  const shown = fields.slice(0, 5).map((f) => (f.field ? `${f.field}: ${f.reason}` : f.reason));
  const more = fields.length > 5 ? ` (+${fields.length - 5} more)` : '';
  return new LbError('INVALID_ARGUMENT', `${prefix}: ${shown.join('; ')}${more}`, { fields });
}

export const notFound = (what: string) => new LbError('NOT_FOUND', `${what} not found`);
