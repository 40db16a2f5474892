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
  /** A watch resumed from a revision older than the server's change log keeps: list again. */
  RESYNC: { status: 410, retryable: false },
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

  /** The error as the API answers it (see ErrorBody). */
  toJSON(): ErrorBody {
    return errorBody(this.status, this.code, this.message, this.details.fields);
  }
}

/**
 * An error on the wire: the original Last.Backend's `{code, status, message}` (code the HTTP status,
 * status its reason phrase), so its clients read our errors, plus this project's `reason` (the code
 * word callers branch on) and `fields` (which input fields were refused, and why).
 */
export interface ErrorBody {
  code: number;
  status: string;
  message: string;
  reason: ErrorCode;
  fields?: FieldError[];
}

/** Reason phrases as the original (Go's net/http StatusText) writes them. */
const REASON_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  414: 'Request URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export const statusText = (status: number): string => REASON_PHRASES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request');

/** The wire body of an error answered with HTTP `status` (usually ERROR_CODES[reason].status). */
export function errorBody(status: number, reason: ErrorCode, message: string, fields?: FieldError[]): ErrorBody {
  return { code: status, status: statusText(status), message, reason, ...(fields ? { fields } : {}) };
}

/** Our code word for a bare HTTP status (an answer without `reason`: the original's server, a proxy). */
export function reasonForStatus(status: number): ErrorCode {
  const exact: Readonly<Record<number, ErrorCode>> = {
    401: 'UNAUTHORIZED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    409: 'CONFLICT',
    410: 'RESYNC',
    412: 'FAILED_PRECONDITION',
    413: 'PAYLOAD_TOO_LARGE',
    501: 'NOT_IMPLEMENTED',
    503: 'UNAVAILABLE',
    504: 'TIMEOUT',
  };
  return exact[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
}

const isCode = (v: unknown): v is ErrorCode => typeof v === 'string' && Object.hasOwn(ERROR_CODES, v);

/**
 * The LbError an error answer stands for. Lenient: today's body (`reason`), this project's older one
 * (`code` was the word) and the original's (only the numeric code and status: the HTTP status decides).
 * `text` is the raw body, shown when it holds no message; `fallback` the word when the body names none.
 */
export function decodeErrorBody(httpStatus: number, body: unknown, text = '', fallback: ErrorCode = reasonForStatus(httpStatus)): LbError {
  const b = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const reason = isCode(b.reason) ? b.reason : isCode(b.code) ? b.code : fallback;
  const message = typeof b.message === 'string' && b.message ? b.message : text.trim() || `HTTP ${httpStatus}${REASON_PHRASES[httpStatus] ? ` ${REASON_PHRASES[httpStatus]}` : ''}`;
  const isField = (f: unknown): f is FieldError => typeof f === 'object' && f !== null && typeof (f as FieldError).field === 'string' && typeof (f as FieldError).reason === 'string';
  const fields = Array.isArray(b.fields) ? (b.fields as unknown[]).filter(isField) : undefined;
  return new LbError(reason, message, fields?.length ? { fields } : {});
}

export const isLbError = (e: unknown): e is LbError => e instanceof LbError;

export function invalid(fields: FieldError[], prefix = 'invalid input'): LbError {
  const shown = fields.slice(0, 5).map((f) => (f.field ? `${f.field}: ${f.reason}` : f.reason));
  const more = fields.length > 5 ? ` (+${fields.length - 5} more)` : '';
  return new LbError('INVALID_ARGUMENT', `${prefix}: ${shown.join('; ')}${more}`, { fields });
}

export const notFound = (what: string) => new LbError('NOT_FOUND', `${what} not found`);
