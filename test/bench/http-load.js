// Shared by the data-path benchmarks: autocannon against two or more targets in alternating rounds (A B A B…),
// so a change of machine load during the run touches every target alike, and each target's figures are
// the median of its rounds. Not a test helper: plain JS.
'use strict';
const autocannon = require('autocannon');
const { median } = require('./lib');

/**
 * @param {{ url: string, headers?: Record<string, string> }} target
 * @param {{ connections: number, seconds: number }} opts
 */
const once = (target, { connections, seconds }) =>
  new Promise((res, rej) => autocannon({ url: target.url, headers: target.headers, connections, duration: seconds }, (e, r) => (e ? rej(e) : res(r))));

/**
 * Runs ROUNDS rounds; in each, every target in turn for SECONDS. Returns, per target name, the medians of
 * requests/s, p50 and p99 (ms) and the sum of errors + non-2xx answers.
 * @param {Record<string, { url: string, headers?: Record<string, string> }>} targets
 * @param {{ rounds: number, seconds: number, connections: number }} opts
 * @returns {Promise<Record<string, { rps: number, p50: number, p99: number, bad: number, rounds: number[] }>>}
 */
async function alternate(targets, opts) {
  const runs = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  for (let r = 0; r < opts.rounds; r++) for (const [name, t] of Object.entries(targets)) runs[name].push(await once(t, opts));
  return Object.fromEntries(
    Object.entries(runs).map(([name, rs]) => [
      name,
      {
        rps: median(rs.map((x) => x.requests.average)),
        p50: median(rs.map((x) => x.latency.p50)),
        p99: median(rs.map((x) => x.latency.p99)),
        bad: rs.reduce((n, x) => n + x.errors + x.timeouts + x.non2xx, 0),
        rounds: rs.map((x) => x.requests.average),
      },
    ]),
  );
}

module.exports = { alternate };
