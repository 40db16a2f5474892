// Heavy modules (yaml, tables, the REST client) load on first use, not at start-up: the CLI's start-up
// time is part of every command's latency, `lb run` → ready included.
export function lazy<T>(load: () => T): () => T {
  let m: T | undefined;
  return () => (m ??= load());
}

export const yaml = lazy(() => require('yaml') as typeof import('yaml'));
/** The REST client (and fetch behind it): `--help`, usage errors and completion never need it. */
export const sdkClient = lazy(() => require('@lastbackend/sdk/client') as typeof import('@lastbackend/sdk/client'));
/**
 * Waiting for a rollout (watches, tracking, rendering): loaded once a command's request is answered, so it
 * is not on the way from the command to the container running.
 */
export const rolloutWait = lazy(() => require('./rollout/wait') as typeof import('./rollout/wait'));
