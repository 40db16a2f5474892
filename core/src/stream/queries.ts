// What an interactive exec and a port-forward take: as a query, since the body of an upgraded request is the
// stream. The API server's routes (routes.ts) and a node's agent server (agent-server.ts) parse the same.
import { z } from 'zod';

const flag = (what: string) => z.enum(['true', 'false']).optional().describe(what);
const termSize = (what: string) => z.coerce.number({ error: 'must be a whole number 1-65535' }).int('must be a whole number 1-65535').min(1, 'must be a whole number 1-65535').max(65535, 'must be a whole number 1-65535').optional().describe(what);
/** An interactive exec: what POST /exec takes, as a query (the body of an upgraded request is the stream). */
export const ExecStreamQuery = z
  .object({
    command: z
      .preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(z.string()).min(1, 'needs a command'))
      .describe('the command and its arguments: one command= per word, in order'),
    container: z.string().min(1).optional().describe('the container (default: the first)'),
    stdin: flag('true: the process reads what the client sends (stdin frames); else end-of-file'),
    tty: flag('true: a pseudo-terminal (stdout and stderr merged; resize frames apply)'),
    cols: termSize('with tty: the terminal\'s columns at start'),
    rows: termSize('with tty: the terminal\'s rows at start'),
  })
  .strict();
/** A port-forward names a port of the pod, nothing else: the address is always the pod's. */
export const PortForwardQuery = z
  .object({
    port: z.coerce.number({ error: 'must be a port number 1-65535' }).int('must be a port number 1-65535').min(1, 'must be a port number 1-65535').max(65535, 'must be a port number 1-65535').describe("the pod's port to connect to (on the pod's own address)"),
  })
  .strict();


/** What a node's agent takes: the same, and the pod it is for. */
const ofPod = { namespace: z.string().min(1), pod: z.string().min(1) };
export const AgentExecStreamQuery = ExecStreamQuery.safeExtend(ofPod).strict();
export const AgentPortForwardQuery = PortForwardQuery.safeExtend(ofPod).strict();

/** A query string as the schemas take it: a repeated name gives an array (command=sh&command=-c). */
export function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const k of new Set(params.keys())) {
    const all = params.getAll(k);
    out[k] = all.length === 1 ? all[0] : all;
  }
  return out;
}

/** A parsed exec query as the agent's call takes it. */
export function execRequestOf(q: z.output<typeof ExecStreamQuery>): { container?: string; tty: boolean; stdin: boolean; size?: { cols: number; rows: number } } {
  const tty = q.tty === 'true';
  return {
    ...(q.container ? { container: q.container } : {}),
    tty,
    stdin: q.stdin === 'true',
    ...(tty && q.cols && q.rows ? { size: { cols: q.cols, rows: q.rows } } : {}),
  };
}
