// A Job's HTTP provider: the server polls spec.provider.http through the namespace's egress guard while
// the job has room for another task, and hands each item it gets to the caller. The endpoint answers
// 204 or an empty body (nothing queued), `{ env: { K: V } }` or `{ env: [{ name, value }] }` (the next
// task's env overrides), or `{ manifest: {...} }` (a task spec override). A manifest is handed over
// UNVALIDATED (typed unknown): the caller puts it through the same validation, policy, quota and audit
// as an apply by the job's owner. After an item it polls again at once (draining a queue while there is
// capacity); after nothing, every `interval`; after an error, with back-off.
import { durationSeconds, LbError } from '@lastbackend/sdk';
import type { EgressGuard } from '../../egress/guard';
import { systemClock, type Clock } from './cron';
import type { EnvVar, HttpProviderSpec } from './types';

export const PROVIDER_BOUNDS = {
  interval: { defaultMs: 10_000, minMs: 1_000, maxMs: 3_600_000 },
  timeout: { defaultMs: 10_000, minMs: 1_000, maxMs: 60_000 },
  /** The longest wait after repeated errors. */
  backoffMaxMs: 300_000,
  /** An answer larger than this is refused. */
  maxBytes: 1024 * 1024,
  env: { count: 100, valueBytes: 32 * 1024 },
} as const;

/** What one poll gave: env overrides for the next task, or a task spec override still to be validated. */
export type ProviderItem = { env: EnvVar[] } | { manifest: unknown };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const clamp = (ms: number, b: { minMs: number; maxMs: number }) => Math.min(Math.max(ms, b.minMs), b.maxMs);
/** A spec duration in ms, bounded; the default when absent (JOBS validates the spelling at apply). */
export function durationMs(d: string | undefined, b: { defaultMs: number; minMs: number; maxMs: number }): number {
  const s = d === undefined ? undefined : durationSeconds(d);
  return s === undefined ? b.defaultMs : clamp(s * 1000, b);
}

function envOf(v: unknown): EnvVar[] | string {
  const list: [unknown, unknown][] = Array.isArray(v)
    ? v.map((e: unknown) => (e && typeof e === 'object' ? [(e as { name?: unknown }).name, (e as { value?: unknown }).value] : [undefined, undefined]))
    : v && typeof v === 'object'
      ? Object.entries(v)
      : [];
  if (!Array.isArray(v) && (!v || typeof v !== 'object')) return 'env must be an object { NAME: value } or a list of { name, value }';
  if (list.length > PROVIDER_BOUNDS.env.count) return `env has ${list.length} variables, at most ${PROVIDER_BOUNDS.env.count}`;
  const out: EnvVar[] = [];
  for (const [name, value] of list) {
    if (typeof name !== 'string' || !ENV_NAME.test(name)) return `env name ${JSON.stringify(name)} is not a variable name`;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return `env ${name} must be a string`;
    const text = String(value);
    if (Buffer.byteLength(text) > PROVIDER_BOUNDS.env.valueBytes) return `env ${name} is longer than ${PROVIDER_BOUNDS.env.valueBytes} bytes`;
    out.push({ name, value: text });
  }
  return out;
}

/** An answer read: undefined for nothing, or why it is refused. */
export function readProviderAnswer(status: number, body: Buffer): ProviderItem | undefined | string {
  if (status === 204) return undefined;
  if (status < 200 || status > 299) return `answered ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`;
  const text = body.toString('utf8').trim();
  if (!text) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'answered something that is not JSON';
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'answered JSON that is not an object with env or manifest';
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  const extra = keys.filter((k) => k !== 'env' && k !== 'manifest');
  if (extra.length) return `answered unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')} (env or manifest)`;
  if ('env' in o && 'manifest' in o) return 'answered both env and manifest: one item is one or the other';
  if ('manifest' in o) return o.manifest && typeof o.manifest === 'object' && !Array.isArray(o.manifest) ? { manifest: o.manifest } : 'manifest must be an object';
  if ('env' in o) {
    const env = envOf(o.env);
    return typeof env === 'string' ? env : { env };
  }
  return 'answered an object with neither env nor manifest (answer 204 when nothing is queued)';
}

export interface HttpProviderOptions {
  namespace: string;
  job: string;
  spec: HttpProviderSpec;
  egress: Pick<EgressGuard, 'fetch'>;
  /** Whether the job may start another task now (its concurrency). */
  hasCapacity: () => boolean | Promise<boolean>;
  /** An item to start a task from; a throw (e.g. the manifest was refused) counts as an error. */
  onItem: (item: ProviderItem) => void | Promise<void>;
  /** A poll or an item failed; the next poll is in `retryInMs`. For an event. */
  onError?: (err: Error, retryInMs: number) => void;
  clock?: Clock;
}

export class HttpProvider {
  private stopped = true;
  private timer: unknown;
  private failures = 0;
  private running?: Promise<void>;
  private readonly clock: Clock;
  readonly intervalMs: number;
  readonly timeoutMs: number;

  constructor(private readonly opts: HttpProviderOptions) {
    this.clock = opts.clock ?? systemClock;
    this.intervalMs = durationMs(opts.spec.interval, PROVIDER_BOUNDS.interval);
    this.timeoutMs = durationMs(opts.spec.timeout, PROVIDER_BOUNDS.timeout);
  }

  /** One poll: the item, or undefined for nothing. Throws an Error naming the endpoint and why. */
  async pollOnce(): Promise<ProviderItem | undefined> {
    const { spec, namespace, job } = this.opts;
    const method = spec.method ?? 'GET';
    const res = await this.opts.egress.fetch(namespace, spec.endpoint, {
      method,
      headers: { accept: 'application/json', ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...spec.headers },
      ...(method === 'POST' ? { body: JSON.stringify({ namespace, job }) } : {}),
      timeoutMs: this.timeoutMs,
      maxBytes: PROVIDER_BOUNDS.maxBytes,
    });
    const item = readProviderAnswer(res.status, res.body);
    if (typeof item === 'string') throw new LbError('FAILED_PRECONDITION', `job "${job}" provider ${method} ${spec.endpoint} ${item}`);
    return item;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Polls now rather than at the end of the interval (a task ended: there may be room again). */
  wake(): void {
    if (this.stopped || this.running) return;
    this.schedule(0);
  }

  /** Stops polling; resolves once a poll under way has finished (its item is still handed over). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick().finally(() => (this.running = undefined));
    }, ms);
  }

  private async tick(): Promise<void> {
    let delay = this.intervalMs;
    try {
      if (await this.opts.hasCapacity()) {
        const item = await this.pollOnce();
        if (item) {
          await this.opts.onItem(item);
          delay = 0;
        }
      }
      this.failures = 0;
    } catch (e) {
      this.failures++;
      delay = Math.min(this.intervalMs * 2 ** Math.min(this.failures, 20), Math.max(PROVIDER_BOUNDS.backoffMaxMs, this.intervalMs));
      this.opts.onError?.(e instanceof Error ? e : new Error(String(e)), delay);
    }
    if (!this.stopped) this.schedule(delay);
  }
}
