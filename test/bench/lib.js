// Shared by every benchmark (plain JS, no jest): timing helpers, the `--quick` switch, and `report()`,
// which prints a run's figures the same way everywhere — a markdown table for people and one BENCH_JSON
// line for scripts (test/bench-quick.test.ts parses it).
'use strict';
const { readdirSync, readFileSync } = require('node:fs');
const { cpus, loadavg } = require('node:os');
const { performance } = require('node:perf_hooks');

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Milliseconds from a monotonic clock (performance.now()): for intervals, never wall time. */
const now = () => performance.now();

/**
 * The middle value (mean of the two middle ones for an even count); NaN for none.
 * @param {number[]} xs
 */
function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The nearest-rank percentile: the smallest value with at least p of them at or below it; NaN for none.
 * @param {number[]} xs
 * @param {number} p in 0..1 (0.99 for p99)
 */
function percentile(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}

/** Every benchmark takes `--quick`: a small size that checks the script works, without judging figures. */
const quick = process.argv.includes('--quick');

/** @returns {{ cores: number, cpu: string, load: number[] }} the machine a run was measured on */
function machine() {
  const c = cpus();
  return { cores: c.length, cpu: (c[0]?.model ?? 'unknown').replace(/\s+/g, ' ').trim(), load: loadavg().map((l) => Math.round(l * 100) / 100) };
}

/**
 * @typedef {{ figure: string, value: number, unit: string, peer?: string, peerValue?: number, ratio?: number, target?: string }} Row
 */

/** A figure for the table: up to 3 significant decimals, thousands grouped; '—' for a missing one. */
function fmt(/** @type {number | undefined} */ v) {
  if (v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : Math.abs(v) >= 1 ? 2 : 3;
  return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/**
 * Prints the title with the machine, a table `| figure | value | peer | peer value | ratio | target |`,
 * then ONE line `BENCH_JSON {…}` with the rows (snake_case keys) and EXTRA's fields.
 * A row's ratio is value / peerValue unless given.
 * @param {{ title: string, rows: Row[], extra?: Record<string, unknown> }} r
 * @returns {{ title: string, machine: ReturnType<typeof machine>, rows: Record<string, unknown>[] }} what the BENCH_JSON line holds
 */
function report({ title, rows, extra = {} }) {
  const m = machine();
  const full = rows.map((r) => ({ ...r, ratio: r.ratio ?? (r.peerValue !== undefined && r.peerValue !== 0 ? r.value / r.peerValue : undefined) }));
  const cells = full.map((r) => [r.figure, `${fmt(r.value)} ${r.unit}`.trim(), r.peer ?? '—', r.peerValue === undefined ? '—' : `${fmt(r.peerValue)} ${r.unit}`.trim(), r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}×`, r.target ?? '—']);
  const head = ['figure', 'value', 'peer', 'peer value', 'ratio', 'target'];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (/** @type {string[]} */ c) => `| ${c.map((x, i) => (i === 0 || i === 2 || i === 5 ? x.padEnd(w[i]) : x.padStart(w[i]))).join(' | ')} |`;
  console.log(`\n${title}${quick ? ' (--quick: checks the script, figures not judged)' : ''}`);
  console.log(`machine: ${m.cores} cores, ${m.cpu}, load average ${m.load.join(' ')}`);
  console.log(line(head));
  console.log(`|${w.map((n, i) => (i === 0 || i === 2 || i === 5 ? '-'.repeat(n + 2) : `${'-'.repeat(n + 1)}:`)).join('|')}|`);
  for (const c of cells) console.log(line(c));
  const json = {
    title,
    quick,
    machine: m,
    rows: full.map((r) => ({
      figure: r.figure, value: r.value, unit: r.unit,
      ...(r.peer !== undefined && { peer: r.peer }),
      ...(r.peerValue !== undefined && { peer_value: r.peerValue }),
      ...(r.ratio !== undefined && { ratio: r.ratio }),
      ...(r.target !== undefined && { target: r.target }),
    })),
    ...extra,
  };
  console.log(`BENCH_JSON ${JSON.stringify(json)}`);
  return json;
}

/**
 * The benchmarks: the scripts (a `#!` first line) in test/bench and plugins/<name>/bench, as paths relative
 * to ROOT, sorted; the other files there are helpers.
 * @param {string} root the repository
 */
function findBenchmarks(root) {
  const { join, relative } = require('node:path');
  const dirs = [join(root, 'test', 'bench'), ...readdirSync(join(root, 'plugins')).map((p) => join(root, 'plugins', p, 'bench'))];
  const found = [];
  for (const dir of dirs) {
    let files;
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.js'));
    } catch {
      continue; // a plugin without benchmarks
    }
    for (const f of files) if (readFileSync(join(dir, f), 'utf8').startsWith('#!')) found.push(relative(root, join(dir, f)));
  }
  return found.sort();
}

/** CPU seconds (user + system, every thread) process PID has used, from /proc/PID/stat (ticks of 10 ms). */
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

module.exports = { sleep, now, median, percentile, quick, machine, report, fmt, findBenchmarks, cpuSeconds };
