// /readyz: whether this server can serve, check by check: its store answers, a leader is known (under
// etcd: someone runs the controller), and its drivers (the local agent's) probe ready. Each check has a
// deadline, so an unreachable store makes the answer "not ready" rather than a hung request.
import { z } from 'zod';
import type { DriverState } from '@lastbackend/sdk';
import type { LeaderStatus } from '../ha/leader';

export const ReadinessCheck = z.object({ name: z.enum(['store', 'leader', 'drivers']), ok: z.boolean(), message: z.string().optional() }).strict();
export const Readiness = z
  .object({ status: z.enum(['ready', 'not ready']), checks: z.array(ReadinessCheck) })
  .strict()
  .describe('200 when every check passes, else 503; each failed check says why');
export type Readiness = z.infer<typeof Readiness>;
type Check = z.infer<typeof ReadinessCheck>;

export interface ReadinessSources {
  /** A read of the store (its result does not matter). */
  readStore(): Promise<unknown>;
  leader(): Promise<LeaderStatus>;
  /** This process's drivers (none on a control-plane-only server). */
  drivers(): Promise<DriverState[]>;
}

export const CHECK_TIMEOUT_MS = 3000;

function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000}s`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function check(name: Check['name'], run: () => Promise<string | undefined>, ms: number): Promise<Check> {
  try {
    const problem = await deadline(run(), ms, name === 'store' ? 'the store' : name === 'leader' ? 'the leader election' : 'the drivers');
    return problem ? { name, ok: false, message: problem } : { name, ok: true };
  } catch (e) {
    return { name, ok: false, message: (e as Error).message };
  }
}

/** Every check, run together. */
export async function readiness(s: ReadinessSources, ms = CHECK_TIMEOUT_MS): Promise<Readiness> {
  const checks = await Promise.all([
    check('store', async () => void (await s.readStore()), ms),
    check(
      'leader',
      async () => {
        const l = await s.leader();
        return l.leader_id ? undefined : 'no leader is known (the election has none, or its store is unreachable)';
      },
      ms,
    ),
    check(
      'drivers',
      async () => {
        const bad = (await s.drivers()).filter((d) => d.state === 'error' || d.state === 'initialising');
        return bad.length ? bad.map((d) => `${d.kind} driver ${d.package} is ${d.state}${d.message ? `: ${d.message}` : ''}`).join('; ') : undefined;
      },
      ms,
    ),
  ]);
  return { status: checks.every((c) => c.ok) ? 'ready' : 'not ready', checks };
}
