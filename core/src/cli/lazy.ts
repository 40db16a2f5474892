// The CLI's heavy modules (yaml, tables, the REST client) load on first use (../util/lazy.ts).
import { lazy } from '../util/lazy';

export { lazy, yaml } from '../util/lazy';
/** The REST client (and fetch behind it): `--help`, usage errors and completion never need it. */
export const sdkClient = lazy(() => require('@lastbackend/sdk/client') as typeof import('@lastbackend/sdk/client'));
/**
 * Waiting for a rollout (watches, tracking, rendering): loaded once a command's request is answered, so it
 * is not on the way from the command to the container running.
 */
export const rolloutWait = lazy(() => require('./rollout/wait') as typeof import('./rollout/wait'));
