import { LbError, type ErrorCode } from '@lastbackend/sdk';

/** gRPC status codes (grpc-js `status`), spelled out so this module needs no runtime import. */
export const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
} as const;

/** The fields grpc-js puts on a failed call. */
interface GrpcError {
  message: string;
  code?: number;
  details?: string;
}

// Duck-typed on purpose: errors from node core are not `instanceof Error` inside another realm (e.g. jest's vm).
const asGrpcError = (e: unknown): GrpcError => {
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return e as GrpcError;
  return { message: String(e) };
};

export const grpcCode = (e: unknown): number | undefined => {
  const c = asGrpcError(e).code;
  return typeof c === 'number' ? c : undefined;
};

export const isNotFound = (e: unknown): boolean =>
  grpcCode(e) === GRPC.NOT_FOUND || (e instanceof LbError && e.code === 'NOT_FOUND');
export const isAlreadyExists = (e: unknown): boolean => grpcCode(e) === GRPC.ALREADY_EXISTS;

/** containerd's own text: grpc-js prefixes the message with "<code> <NAME>: ". */
export function messageOf(e: unknown): string {
  const err = asGrpcError(e);
  if (typeof err.details === 'string' && err.details.length > 0) return err.details;
  return err.message.replace(/^\d+ [A-Z_]+: /, '');
}

const CODES: Record<number, ErrorCode> = {
  [GRPC.NOT_FOUND]: 'NOT_FOUND',
  [GRPC.ALREADY_EXISTS]: 'ALREADY_EXISTS',
  [GRPC.INVALID_ARGUMENT]: 'INVALID_ARGUMENT',
  [GRPC.FAILED_PRECONDITION]: 'FAILED_PRECONDITION',
  [GRPC.UNAVAILABLE]: 'UNAVAILABLE',
  [GRPC.DEADLINE_EXCEEDED]: 'TIMEOUT',
};

/** Maps any containerd failure to an LbError; `what` names the operation, e.g. "create container web-1". */
export function toLbError(e: unknown, what: string): LbError {
  if (e instanceof LbError) return e;
  const code = grpcCode(e);
  return new LbError((code !== undefined && CODES[code]) || 'INTERNAL', `${what}: ${messageOf(e)}`);
}
