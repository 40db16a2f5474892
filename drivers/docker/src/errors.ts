import { LbError, type ErrorCode } from '@lastbackend/sdk';

/** The fields dockerode / docker-modem / node put on the errors they raise. */
interface DockerodeError {
  message: string;
  statusCode?: number;
  code?: string;
  json?: unknown;
}

// Duck-typed on purpose: errors from node core are not `instanceof Error` inside another realm (e.g. jest's vm).
const asDockerodeError = (e: unknown): DockerodeError => {
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') {
    return e as DockerodeError;
  }
  return { message: String(e) };
};

/** HTTP status of a dockerode error, if it came from the engine. */
export function statusOf(e: unknown): number | undefined {
  const s = asDockerodeError(e).statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** The engine's own message ({"message": …}) when there is one, else the error's message. */
export function messageOf(e: unknown): string {
  const err = asDockerodeError(e);
  const json = err.json;
  if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message.trim();
  }
  // docker-modem's own form: "(HTTP code 500) server error - <engine message> "
  return err.message.replace(/^\(HTTP code \d+\)\s*(?:[\w ]+ - )?/, '').trim();
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Maps any dockerode failure to an LbError; `what` names the operation, e.g. "create container web-1". */
export function toLbError(e: unknown, what: string): LbError {
  if (e instanceof LbError) return e;
  const err = asDockerodeError(e);
  const msg = `${what}: ${messageOf(e)}`;
  const status = statusOf(e);
  let code: ErrorCode;
  if (status === 404) code = 'NOT_FOUND';
  else if (status === 409) code = /already in use|already exists/i.test(msg) ? 'ALREADY_EXISTS' : 'CONFLICT';
  else if (status === 400) code = 'INVALID_ARGUMENT';
  else if (status === undefined && err.code && UNAVAILABLE_CODES.has(err.code)) code = 'UNAVAILABLE';
  else code = 'INTERNAL';
  return new LbError(code, msg);
}

/** Classifies a registry failure reported by a pull/push (as an HTTP error or inside the progress stream). */
export function registryError(message: string, what: string): LbError {
  const msg = `${what}: ${message}`;
  if (/connection refused|no such host|i\/o timeout|timeout|network is unreachable|TLS handshake|EOF/i.test(message)) {
    return new LbError('UNAVAILABLE', msg);
  }
  if (/unauthorized|authentication required|access denied|forbidden/i.test(message)) return new LbError('UNAUTHORIZED', msg);
  if (/manifest unknown|not found|does not exist/i.test(message)) return new LbError('NOT_FOUND', msg);
  return new LbError('INTERNAL', msg);
}
