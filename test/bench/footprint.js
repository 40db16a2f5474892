#!/usr/bin/env node
// Benchmark (not a test): resident memory of an idle `lb server`, then with 1,000 pods' state
// (a 1,000-replica service whose selector matches no node: pods are stored and scheduled, no
// container runs). Target: idle ≤ 100 MB. The server is started the way users start it, through lb.js's
// shebang (and its V8 flags). Usage: node test/bench/footprint.js
// BENCH_QUICK=1: 3 samples after 1 s of settling instead of 10 after 5 s (to check the script runs; the
// figures are then not comparable).
'use strict';
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { startServer } = require('./server');

const QUICK = Boolean(process.env.BENCH_QUICK);
const SAMPLES = QUICK ? 3 : 10;
const SETTLE_MS = QUICK ? 1000 : 5000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
/** RSS once a second for `n` seconds: V8 gives start-up memory back some seconds later, so one early sample overstates it. */
async function settled(pid, n = SAMPLES) {
  const samples = [];
  for (let i = 0; i < n; i++) { samples.push(rssMb(pid)); await sleep(1000); }
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(n / 2)], max: sorted[n - 1] };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-mem-'));
  const node = `bench-mem-${process.pid}`;
  const cfg = join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify({ drivers: { cri: { package: '@lastbackend/driver-docker' }, cii: { package: '@lastbackend/driver-docker' } }, discovery: { enabled: false } }));
  let server;
  try {
    server = await startServer({ dir, name: node, args: ['--config', cfg], shebang: true });
    const { client } = server;
    await sleep(SETTLE_MS);
    const idle = await settled(server.process.pid);
    await client.createService('default', { kind: 'Service', meta: { name: 'many' }, spec: { replicas: 1000, selector: { node: 'nowhere' }, template: { containers: [{ name: 'c', image: { name: 'lb-test/busybox:latest' } }] } } });
    for (let i = 0; i < 300; i++) { if ((await client.pods('default', 'many')).length >= 1000) break; await sleep(200); }
    await sleep(SETTLE_MS);
    const loaded = await settled(server.process.pid);
    console.log(`\nlb server resident memory (VmRSS), median of ${SAMPLES} samples a second apart (max in brackets)`);
    console.log(`idle:                     ${idle.median.toFixed(1)} MB (${idle.max.toFixed(1)}) (target ≤ 100 MB)`);
    console.log(`with 1,000 pods' state:   ${loaded.median.toFixed(1)} MB (${loaded.max.toFixed(1)})`);
    console.log(JSON.stringify({ idle_mb: idle.median, idle_max_mb: idle.max, pods_1000_mb: loaded.median, pods_1000_max_mb: loaded.max }));
  } finally {
    if (server) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
