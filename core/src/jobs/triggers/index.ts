// What the job controller wires in: cron schedules, the HTTP provider and the HTTP hook (each through
// the namespace egress guard, core/src/egress/).
export { CronScheduler, cronProblems, dueRuns, nextRun, systemClock, CRON_GRACE_MS, type Clock, type CronDecision, type CronSchedulerOptions } from './cron';
export { HttpProvider, readProviderAnswer, durationMs, PROVIDER_BOUNDS, type ProviderItem, type HttpProviderOptions } from './http-provider';
export { HttpHook, hookPayload, type HookOutcome, type HookPayload, type HttpHookOptions } from './http-hook';
export type { CronSpec, EnvVar, HttpHookSpec, HttpProviderSpec, JobLike, TaskLike, TaskState } from './types';
