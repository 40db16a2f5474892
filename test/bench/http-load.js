// Shared by the data-path benchmarks: autocannon against two or more targets in alternating rounds (A B A B…),
// so a change of machine load during the run touches every target alike, and each target's figures are
// the median of its rounds. Not a test helper: plain JS.
'use strict';
const autocannon = require('autocannon');
const { cpuSeconds, median } = require('./lib');

/**
 * @param {{ url: string, headers?: Record<string, string> }} target
 * @param {{ connections: number, seconds: number }} opts
 */
const once = (target, { connections, seconds }) =>
  new Promise((res, rej) => autocannon({ url: target.url, headers: target.headers, connections, duration: seconds }, (e, r) => (e ? rej(e) : res(r))));

/**
 * Runs ROUNDS rounds; in each, every target in turn for SECONDS. Returns, per target name, the medians of
 * requests/s, p50 and p99 (ms) and the sum of errors + non-2xx answers. With opts.processes (a name → the
 * PIDs of those processes, asked each round), also the median CPU microseconds each group used per
 * request answered, in `cpu`: where a path's time goes when the machine's cores are the limit.
 * @param {Record<string, { url: string, headers?: Record<string, string> }>} targets
 * @param {{ rounds: number, seconds: number, connections: number, processes?: Record<string, () => number[]> }} opts
 * @returns {Promise<Record<string, { rps: number, p50: number, p99: number, bad: number, rounds: number[], cpu: Record<string, number> }>>}
 */
async function alternate(targets, opts) {
  const runs = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  const groups = Object.entries(opts.processes ?? {});
  const used = () => groups.map(([, pids]) => pids().reduce((s, pid) => s + cpuSeconds(pid), 0));
  for (let r = 0; r < opts.rounds; r++)
    for (const [name, t] of Object.entries(targets)) {
      const before = used();
      const run = await once(t, opts);
      const after = used();
      run.cpu = Object.fromEntries(groups.map(([g], i) => [g, ((after[i] - before[i]) * 1e6) / Math.max(1, run.requests.total)]));
      runs[name].push(run);
    }
  return Object.fromEntries(
    Object.entries(runs).map(([name, rs]) => [
      name,
      {
        rps: median(rs.map((x) => x.requests.average)),
        p50: median(rs.map((x) => x.latency.p50)),
        p99: median(rs.map((x) => x.latency.p99)),
        bad: rs.reduce((n, x) => n + x.errors + x.timeouts + x.non2xx, 0),
        rounds: rs.map((x) => x.requests.average),
        cpu: Object.fromEntries(groups.map(([g]) => [g, median(rs.map((x) => x.cpu[g]))])),
      },
    ]),
  );
}

/**
 * The median of the rounds' own ratios a[i] / b[i]: rounds of two targets run back to back see nearly the
 * same machine, so each pair's ratio is cleaner than the ratio of two medians taken over minutes in which
 * other work comes and goes (as farm-bench pairs A and B runs).
 * @param {number[]} a
 * @param {number[]} b
 */
const pairedRatio = (a, b) => median(a.map((x, i) => x / b[i]));

module.exports = { alternate, pairedRatio };
