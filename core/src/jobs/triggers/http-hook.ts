// A Job's HTTP hook: when a task ends, the server tells spec.hook.http, through the namespace's egress
// guard, with the task's state and exit codes. Delivery never blocks the caller (notify's promise always
// resolves, with the outcome for an event) and is retried with exponential back-off on what may pass
// later — a network error, a timeout, 408, 429, 5xx — up to a bounded number of attempts. A refusal by the
// egress guard, a redirect or another 4xx is final. Each delivery carries one id in `x-lb-delivery`
// across its attempts, so a receiver can drop a repeat (an attempt whose answer was lost).
import { randomUUID } from 'node:crypto';
import { EgressError, type EgressGuard } from '../../egress/guard';
import { systemClock, type Clock } from './cron';
import { durationMs, PROVIDER_BOUNDS } from './http-provider';
import type { HttpHookSpec, TaskLike, TaskState } from './types';

/** The JSON a hook receives. */
export interface HookPayload {
  job: string;
  task: string;
  namespace: string;
  state: TaskState;
  attempt: number;
  /** Per container, those that exited. */
  exit_codes: Record<string, number>;
  started?: string;
  finished?: string;
}

export function hookPayload(t: TaskLike): HookPayload {
  const exit_codes: Record<string, number> = {};
  for (const c of t.status.containers) if (c.exit_code !== undefined) exit_codes[c.name] = c.exit_code;
  return {
    job: t.meta.job,
    task: t.meta.name,
    namespace: t.meta.namespace,
    state: t.status.state,
    attempt: t.status.attempt,
    exit_codes,
    ...(t.status.started ? { started: t.status.started } : {}),
    ...(t.status.finished ? { finished: t.status.finished } : {}),
  };
}

/** How a delivery ended, for the task's event. */
export interface HookOutcome {
  delivered: boolean;
  /** Attempts made (1 = delivered or refused at once). */
  attempts: number;
  /** The last answer's status, when there was one. */
  status?: number;
  /** Why it was not delivered (the last error). */
  error?: string;
  delivery: string;
}

export interface HttpHookOptions {
  egress: Pick<EgressGuard, 'fetch'>;
  /** Attempts in all (default 5). */
  attempts?: number;
  /** The wait before the second attempt, doubled each time (default 1s) up to maxDelayMs (default 1 min). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  clock?: Clock;
  /** Each delivery's end, for an event. */
  onOutcome?: (payload: HookPayload, outcome: HookOutcome) => void;
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

export class HttpHook {
  private readonly clock: Clock;
  private readonly waits = new Set<{ handle: unknown; wake: () => void }>();
  private stopped = false;
  constructor(private readonly opts: HttpHookOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  private inFlight = 0;
  /** Deliveries under way. */
  get pending(): number {
    return this.inFlight;
  }

  /** Tells the hook that `task` ended. Never rejects; the caller need not wait. */
  async notify(spec: HttpHookSpec, task: TaskLike): Promise<HookOutcome> {
    const payload = hookPayload(task);
    const delivery = randomUUID();
    const attempts = Math.max(1, this.opts.attempts ?? 5);
    const timeoutMs = durationMs(spec.timeout, PROVIDER_BOUNDS.timeout);
    const method = spec.method ?? 'POST';
    const body = JSON.stringify(payload);
    this.inFlight++;
    let outcome: HookOutcome = { delivered: false, attempts: 0, delivery };
    try {
      for (let n = 1; n <= attempts; n++) {
        outcome = { delivered: false, attempts: n, delivery };
        let again: boolean;
        try {
          const res = await this.opts.egress.fetch(payload.namespace, spec.endpoint, {
            method,
            headers: { ...spec.headers, 'content-type': 'application/json', 'x-lb-delivery': delivery, 'x-lb-attempt': String(n) },
            body,
            timeoutMs,
            maxBytes: 64 * 1024,
          });
          outcome.status = res.status;
          if (res.status >= 200 && res.status < 300) return (outcome = { ...outcome, delivered: true });
          outcome.error = `${method} ${spec.endpoint} answered ${res.status}`;
          again = retryable(res.status);
        } catch (e) {
          outcome.error = (e as Error).message;
          again = !(e instanceof EgressError && e.refused);
        }
        if (!again || n === attempts || this.stopped) return outcome;
        await this.sleep(Math.min((this.opts.baseDelayMs ?? 1000) * 2 ** (n - 1), this.opts.maxDelayMs ?? 60_000));
        if (this.stopped) return (outcome = { ...outcome, error: `${outcome.error} (stopped before attempt ${n + 1})` });
      }
      return outcome;
    } finally {
      this.inFlight--;
      this.opts.onOutcome?.(payload, outcome);
    }
  }

  /** Ends the waits between attempts: deliveries under way end undelivered after their current attempt. */
  stop(): void {
    this.stopped = true;
    for (const w of this.waits) {
      this.clock.clearTimeout(w.handle);
      w.wake();
    }
    this.waits.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const w = {
        handle: undefined as unknown,
        wake: () => {
          this.waits.delete(w);
          resolve();
        },
      };
      w.handle = this.clock.setTimeout(w.wake, ms);
      this.waits.add(w);
    });
  }
}
