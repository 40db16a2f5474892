// Every benchmark, one after another, in one run on this machine (`npm run bench:all`): the README's table
// comes from such a run. Each benchmark runs as `node SCRIPT [--quick]` (its output goes to stderr as it
// comes); its BENCH_JSON line is collected. Then one table of the rows that have a target or a peer — every
// issue-18 figure with its peer and ratio — under the machine it ran on, and one BENCH_ALL_JSON line with
// every row. A benchmark that fails is named in the table and makes the exit code 1; the rest still run.
// Usage: node scripts/bench-all.js [--quick] [--only SUBSTRING[,SUBSTRING…]]
//   --only: the benchmarks whose path contains one of the substrings (e.g. --only api,store).
'use strict';
const { spawn } = require('node:child_process');
const { resolve } = require('node:path');
const { findBenchmarks, fmt, machine, quick } = require('../test/bench/lib');

const ROOT = resolve(__dirname, '..');

function option(name) {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

/** Runs one benchmark; resolves with its exit code, its BENCH_JSON (if printed) and how long it took. */
function run(script) {
  return new Promise((res) => {
    const started = Date.now();
    const c = spawn(process.execPath, [script, ...(quick ? ['--quick'] : [])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => {
      out += d.toString();
      process.stderr.write(d);
    });
    c.on('exit', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
      res({ code: code ?? signal, json: line ? JSON.parse(line.slice('BENCH_JSON '.length)) : undefined, seconds: (Date.now() - started) / 1000 });
    });
  });
}

async function main() {
  const only = option('--only')?.split(',').filter(Boolean);
  const scripts = findBenchmarks(ROOT).filter((s) => !only || only.some((o) => s.includes(o)));
  if (!scripts.length) throw new Error(`no benchmark matches --only ${only}`);
  const m0 = machine();
  const results = [];
  for (const script of scripts) {
    process.stderr.write(`\n== ${script}${quick ? ' --quick' : ''}\n`);
    results.push({ script, ...(await run(resolve(ROOT, script))) });
  }
  const m1 = machine();
  const cells = [];
  for (const r of results) {
    if (r.code !== 0 || !r.json) {
      cells.push([r.script, `failed (exit ${r.code})`, '', '', '', '', '']);
      continue;
    }
    for (const row of r.json.rows.filter((x) => x.target !== undefined || x.peer !== undefined)) {
      const unit = (v) => (v === undefined ? '—' : `${fmt(v)} ${row.unit}`.trim());
      cells.push([r.script, row.figure, unit(row.value), row.peer ?? '—', row.peer === undefined ? '—' : unit(row.peer_value), row.ratio === undefined ? '—' : `${row.ratio.toFixed(2)}×`, row.target ?? '—']);
    }
  }
  const minutes = results.reduce((s, r) => s + r.seconds, 0) / 60;
  console.log(`\nAll benchmarks${quick ? ' (--quick: checks the scripts, figures not judged)' : ''}, one after another in ${minutes.toFixed(0)} min, node ${process.version}`);
  console.log(`machine: ${m0.cores} cores, ${m0.cpu}; load average ${m0.load.join(' ')} at the start, ${m1.load.join(' ')} at the end`);
  console.log('| benchmark | figure | value | peer | peer value | ratio | target |');
  console.log('|---|---|--:|---|--:|--:|---|');
  for (const c of cells) console.log(`| ${c.join(' | ')} |`);
  const failed = results.filter((r) => r.code !== 0 || !r.json);
  console.log(`BENCH_ALL_JSON ${JSON.stringify({ quick, node: process.version, machine: { start: m0, end: m1 }, runs: results.map((r) => ({ script: r.script, code: r.code, seconds: r.seconds, ...(r.json ? { title: r.json.title, rows: r.json.rows } : {}) })) })}`);
  if (failed.length) {
    process.stderr.write(`failed: ${failed.map((r) => `${r.script} (exit ${r.code})`).join(', ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exitCode = 1;
});
