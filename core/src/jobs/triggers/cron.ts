// A Job's cron provider: which runs are due, given the last one decided and the time now, and a small
// scheduler that wakes at each due minute. Expressions are parsed by cron-parser (5 fields here, with
// time zones). Restart-safe: the caller stores `lastScheduled` (the scheduled time of the last run
// decided, run or skipped) and passes it back after a restart; runs that fell in the gap are then
// skipped, or run once, as `missed` says — never each of them.
import type { CronExpression } from 'cron-parser';
import { LbError, type FieldError } from '@lastbackend/sdk';
import { lazy } from '../../util/lazy';
import type { CronSpec } from './types';

/** Loaded by the first cron job (cron-parser and luxon: ~1 MB of heap a server without one never needs). */
const parser = lazy(() => (require('cron-parser') as typeof import('cron-parser')).CronExpressionParser);
const FIELD = 'spec.provider.cron';
/** A run is on time while the clock is within this of its minute; later, it was missed. */
export const CRON_GRACE_MS = 60_000;
/** Missed runs are counted up to this many (a long outage of a per-minute job). */
const COUNT_CAP = 10_000;

/** Why a cron spec cannot run, per field (empty: it can). */
export function cronProblems(spec: CronSpec, field = FIELD): FieldError[] {
  const out: FieldError[] = [];
  const fields = spec.schedule.trim().split(/\s+/);
  if (fields.length !== 5) out.push({ field: `${field}.schedule`, reason: `"${spec.schedule}" must have 5 fields: minute hour day-of-month month day-of-week` });
  else {
    try {
      parser().parse(spec.schedule, { strict: false }).next();
    } catch (e) {
      out.push({ field: `${field}.schedule`, reason: `"${spec.schedule}": ${(e as Error).message}` });
    }
  }
  if (spec.timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: spec.timezone });
    } catch {
      out.push({ field: `${field}.timezone`, reason: `"${spec.timezone}" is not a time zone (an IANA name such as Europe/Berlin)` });
    }
  }
  return out;
}

function expression(spec: CronSpec, at: number): CronExpression {
  const problems = cronProblems(spec);
  if (problems.length) throw new LbError('INVALID_ARGUMENT', `invalid cron: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`, { fields: problems });
  return parser().parse(spec.schedule, { currentDate: new Date(at), tz: spec.timezone ?? 'UTC' });
}

/** The first run strictly after `after`. */
export const nextRun = (spec: CronSpec, after: Date): Date => expression(spec, after.getTime()).next().toDate();

/** The last run at or before `at`, if any. */
function lastRunAtOrBefore(spec: CronSpec, at: Date): Date | undefined {
  const e = expression(spec, at.getTime() + 1);
  return e.hasPrev() ? e.prev().toDate() : undefined;
}

export interface CronDecision {
  /** Start a task now, for the run at `scheduledAt`. */
  run: boolean;
  scheduledAt?: Date;
  /** What the caller stores as the last run decided (run or skipped). */
  lastScheduled: Date;
  /** The next run after now. */
  next: Date;
  /** Runs not started: missed while the server was down (skip), or collapsed into this one. */
  skippedCount: number;
}

/**
 * Which run is due now. No `lastScheduled` (a new or newly enabled job): nothing is due, the schedule
 * starts now. Otherwise the runs after `lastScheduled` up to `now` are due: when the latest is on time
 * (within a minute, CRON_GRACE_MS), it runs and the earlier ones are skipped; when every one is late (the
 * server was down), `missed: run-once` runs the latest once and `skip` (the default) runs none. At most
 * one run per decision either way.
 */
export function dueRuns(spec: CronSpec, lastScheduled: Date | undefined, now: Date, graceMs = CRON_GRACE_MS): CronDecision {
  const next = nextRun(spec, now);
  if (!lastScheduled) return { run: false, lastScheduled: now, next, skippedCount: 0 };
  const latest = lastRunAtOrBefore(spec, now);
  if (!latest || latest.getTime() <= lastScheduled.getTime()) return { run: false, lastScheduled, next, skippedCount: 0 };
  let due = 0;
  const e = expression(spec, lastScheduled.getTime());
  while (due < COUNT_CAP && e.next().getTime() <= now.getTime()) due++;
  const onTime = now.getTime() - latest.getTime() < graceMs;
  const run = onTime || spec.missed === 'run-once';
  return { run, ...(run ? { scheduledAt: latest } : {}), lastScheduled: latest, next, skippedCount: run ? due - 1 : due };
}

/** Time as the scheduler sees it: injectable for tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A timer longer than this is re-armed on waking (setTimeout's limit is ~24.8 days; the clock may jump). */
const MAX_SLEEP_MS = 3_600_000;

export interface CronSchedulerOptions {
  /** A run is due: start a task, and store `scheduledAt` as the job's lastScheduled. */
  onDue: (jobKey: string, scheduledAt: Date, skippedCount: number) => void;
  /** Runs were skipped (missed: skip): store `lastScheduled`, and say so in an event. */
  onSkipped?: (jobKey: string, skippedCount: number, lastScheduled: Date) => void;
  /** onDue or onSkipped threw: the schedule goes on. */
  onError?: (jobKey: string, err: unknown) => void;
  clock?: Clock;
  graceMs?: number;
}

interface Entry {
  spec: CronSpec;
  last?: Date;
  timer?: unknown;
}

/** Calls onDue at each job's due minutes. One timer per job; `set` again when its spec changes. */
export class CronScheduler {
  private readonly jobs = new Map<string, Entry>();
  private readonly clock: Clock;
  constructor(private readonly opts: CronSchedulerOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /**
   * Schedules (or reschedules) a job from its stored lastScheduled (absent: a new schedule, nothing due
   * before now). Throws INVALID_ARGUMENT naming the field for a spec that cannot run. Answers the next run.
   */
  set(jobKey: string, spec: CronSpec, lastScheduled?: Date): Date {
    const problems = cronProblems(spec);
    if (problems.length) throw new LbError('INVALID_ARGUMENT', `job ${jobKey}: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`, { fields: problems });
    this.delete(jobKey);
    const entry: Entry = { spec, ...(lastScheduled ? { last: lastScheduled } : {}) };
    this.jobs.set(jobKey, entry);
    return this.wake(jobKey, entry);
  }

  delete(jobKey: string): void {
    const e = this.jobs.get(jobKey);
    if (e?.timer !== undefined) this.clock.clearTimeout(e.timer);
    this.jobs.delete(jobKey);
  }

  keys(): string[] {
    return [...this.jobs.keys()];
  }

  stop(): void {
    for (const k of this.keys()) this.delete(k);
  }

  private wake(jobKey: string, entry: Entry): Date {
    const now = new Date(this.clock.now());
    const d = dueRuns(entry.spec, entry.last, now, this.opts.graceMs);
    entry.last = d.lastScheduled;
    try {
      if (d.run) this.opts.onDue(jobKey, d.scheduledAt!, d.skippedCount);
      else if (d.skippedCount > 0) this.opts.onSkipped?.(jobKey, d.skippedCount, d.lastScheduled);
    } catch (err) {
      this.opts.onError?.(jobKey, err);
    }
    // A callback may have deleted or replaced the job.
    if (this.jobs.get(jobKey) === entry) {
      const delay = Math.min(Math.max(0, d.next.getTime() - now.getTime()), MAX_SLEEP_MS);
      entry.timer = this.clock.setTimeout(() => {
        if (this.jobs.get(jobKey) === entry) this.wake(jobKey, entry);
      }, delay);
    }
    return d.next;
  }
}
