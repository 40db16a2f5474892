// JSON answers of a node's agent are read within a size limit and checked for depth before they are parsed: the
// agent runs on a machine the API server does not control, and whatever it sends lands in the server's memory.
import { LbError } from '@lastbackend/sdk';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from './json-depth';

/**
 * An exec answer: 1 MiB per stream, up to 6 bytes per byte once JSON-escaped (control characters as \u0000),
 * and the markers.
 */
export const EXEC_RESPONSE_LIMIT = 13 * 1024 * 1024;
/** Any other answer of an agent (driver states, errors). */
export const AGENT_RESPONSE_LIMIT = 1024 * 1024;

/** An agent's metrics (text): a node's series are bounded (kinds, methods, phases), so this is ample. */
export const METRICS_RESPONSE_LIMIT = 4 * 1024 * 1024;

/** An agent's stats of its pods: about 200 bytes per container, for every pod a node may run. */
export const STATS_RESPONSE_LIMIT = 8 * 1024 * 1024;

/** The body of `res`; INTERNAL (500: the agent misbehaved) when it is larger than `limit`. */
export async function readBoundedResponse(res: Response, limit: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  const tooLarge = () => new LbError('INTERNAL', `${what}: the answer is larger than ${limit} bytes`);
  if (declared > limit) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks);
}

/** The body of `res` parsed as JSON; INTERNAL (500: the agent misbehaved) when it is larger than `limit`, nests too deep or is not JSON. */
export async function readJsonResponse(res: Response, limit: number, what: string): Promise<unknown> {
  const buf = await readBoundedResponse(res, limit, what);
  if (exceedsJsonDepth(buf)) throw new LbError('INTERNAL', `${what}: the answer is JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new LbError('INTERNAL', `${what}: the answer is not JSON: ${(e as Error).message}`);
  }
}
