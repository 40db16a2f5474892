// Trace points on the deploy path (CLI request → controller → node stream → agent → runtime), for the
// deploy benchmark's per-hop breakdown (test/bench/deploy-latency.js). Off unless $LB_DEPLOY_TRACE names a
// file: then each point appends one JSON line {hop, key, t}, t in epoch milliseconds from the monotonic
// clock (performance.timeOrigin + now()), so the lines of the CLI and the server line up with each other
// and with the engine's event times. The key is the service ("ns/name") the pod belongs to.
import { appendFileSync } from 'node:fs';

const file = process.env.LB_DEPLOY_TRACE;

/** Records that `hop` was reached for service `key`; a no-op (one branch) when tracing is off. */
export function deployTrace(hop: string, key: string): void {
  if (!file) return;
  const t = performance.timeOrigin + performance.now();
  try {
    appendFileSync(file, `${JSON.stringify({ hop, key, t })}\n`);
  } catch {
    // A trace is never worth a failed deploy.
  }
}
