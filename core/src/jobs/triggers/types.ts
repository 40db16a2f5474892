// What the triggers read of a Job and report of a Task: local structural types until the Job and Task
// kinds land in the SDK (the JOBS part adds them; these are written to its shapes so its types fit).

/** spec.provider.cron of a Job. */
export interface CronSpec {
  /** Five fields: minute hour day-of-month month day-of-week. */
  schedule: string;
  /** An IANA zone ("Europe/Berlin"); UTC when absent. */
  timezone?: string;
  /** Runs that fell while the server was down: skipped, or run once. Default skip. */
  missed?: 'skip' | 'run-once';
}

/** spec.provider.http of a Job: polled for the next task. */
export interface HttpProviderSpec {
  endpoint: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Duration ("10s"): one poll at most. */
  timeout?: string;
  /** Duration ("10s"): between polls that found nothing. */
  interval?: string;
}

/** spec.hook.http of a Job: told when a task ends. */
export interface HttpHookSpec {
  endpoint: string;
  method?: 'POST' | 'PUT';
  headers?: Record<string, string>;
  /** Duration ("10s"): one attempt at most. */
  timeout?: string;
}

/** What the triggers read of a Job. */
export interface JobLike {
  meta: { name: string; namespace: string };
  spec: {
    enabled?: boolean;
    provider?: { cron?: CronSpec; http?: HttpProviderSpec };
    hook?: { http?: HttpHookSpec };
  };
}

export type TaskState = 'queued' | 'scheduled' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What the hook reads of a finished Task. */
export interface TaskLike {
  meta: { name: string; namespace: string; job: string };
  status: {
    state: TaskState;
    attempt: number;
    containers: { name: string; exit_code?: number; started?: string; finished?: string }[];
    started?: string;
    finished?: string;
  };
}

/** A task env override, as Task.spec.env holds it. */
export interface EnvVar {
  name: string;
  value: string;
}
