// Every error leaves the API as the original's { code: <status>, status, message } plus our reason and
// fields (sdk ErrorBody), with a fitting status; internals are logged, not sent.
import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { errorBody, isLbError, type ErrorBody, type ErrorCode } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';

const answer = (status: number, reason: ErrorCode, message: string): [number, ErrorBody] => [status, errorBody(status, reason, message)];

@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const [status, body] = errorAnswer(err, this.log);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json(body);
  }
}

/** The status and JSON body that answer an error thrown by a handler or a body reader; internals are logged. */
export function errorAnswer(err: unknown, log: Logger): [number, ErrorBody] {
  if (isLbError(err)) return [err.status, err.toJSON()];
  const e = err as { status?: number; type?: string; message?: string };
  if (e?.type === 'entity.parse.failed') return answer(400, 'INVALID_ARGUMENT', `request body is not valid JSON: ${e.message}`);
  if (e?.type === 'entity.too.large') return answer(413, 'PAYLOAD_TOO_LARGE', 'request body is too large');
  // The body reader's other refusals (unsupported charset or content-encoding, bad gzip, aborted upload)
  // are the client's to fix: keep their 4xx status and say why instead of a 500.
  const http = err as { status?: unknown; expose?: unknown };
  if (!(err instanceof HttpException) && typeof http.status === 'number' && http.status >= 400 && http.status < 500 && http.expose === true)
    return answer(http.status, 'INVALID_ARGUMENT', `request body: ${e.message}`);
  if (err instanceof HttpException) {
    const status = err.getStatus();
    // Nest maps body-parser's SyntaxError (bad JSON) and URIError (bad %-encoding in a path) to a bare 400.
    if (status === 400 && !/decode/i.test(err.message)) return answer(400, 'INVALID_ARGUMENT', `request body is not valid JSON: ${err.message}`);
    const code = status === 404 ? 'NOT_FOUND' : status === 401 ? 'UNAUTHORIZED' : status < 500 ? 'INVALID_ARGUMENT' : 'INTERNAL';
    return answer(status, code, status === 404 ? 'no such route' : err.message);
  }
  log.error(`unhandled error: ${(err as Error)?.stack ?? String(err)}`);
  return answer(500, 'INTERNAL', 'internal error');
}
