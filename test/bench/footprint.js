#!/usr/bin/env node
// Benchmark (not a test): resident memory of an idle `lb server`, then with 1,000 pods' state
// (a 1,000-replica service whose selector matches no node: pods are stored and scheduled, no
// container runs). Target: idle ≤ 70 MB (issue 18). The server runs with the node options lb.js's
// launcher gives `lb server`, as users start it (server.js). Usage: node test/bench/footprint.js [--quick]
// --quick (or BENCH_QUICK=1): 3 samples after 1 s of settling instead of 10 after 20 s, and 100 pods
// (to check the script runs; the figures are then not comparable).
'use strict';
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const lib = require('./lib');
const { median, report, sleep } = lib;
const { rssMb, startServer } = require('./server');

const QUICK = lib.quick || Boolean(process.env.BENCH_QUICK);
const SAMPLES = QUICK ? 3 : 10;
// 20 s: the server's young generation (up to 8 MB a semi-space, lb.js) grows while it starts and V8
// shrinks it at the first GC with little allocation, ~10-20 s later; until then RSS is ~30 MB higher.
const SETTLE_MS = QUICK ? 1000 : 20000;
const PODS = QUICK ? 100 : 1000;
/** RSS once a second for `n` seconds: V8 gives start-up memory back some seconds later, so one early sample overstates it. */
async function settled(pid, n = SAMPLES) {
  const samples = [];
  for (let i = 0; i < n; i++) { samples.push(rssMb(pid)); await sleep(1000); }
  return { median: median(samples), max: Math.max(...samples) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-mem-'));
  const node = `bench-mem-${process.pid}`;
  const cfg = join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify({ drivers: { cri: { package: '@lastbackend/driver-docker' }, cii: { package: '@lastbackend/driver-docker' } }, discovery: { enabled: false } }));
  let server;
  try {
    server = await startServer({ dir, name: node, args: ['--config', cfg] });
    const { client } = server;
    await sleep(SETTLE_MS);
    const idle = await settled(server.process.pid);
    await client.createService('default', { kind: 'Service', meta: { name: 'many' }, spec: { replicas: PODS, selector: { node: 'nowhere' }, template: { containers: [{ name: 'c', image: { name: 'lb-test/busybox:latest' } }] } } });
    for (let i = 0; i < 300; i++) { if ((await client.pods('default', 'many')).length >= PODS) break; await sleep(200); }
    await sleep(SETTLE_MS);
    const loaded = await settled(server.process.pid);
    report({
      title: `lb server resident memory (VmRSS), median of ${SAMPLES} samples a second apart`,
      rows: [
        { figure: 'idle (server + local agent)', value: idle.median, unit: 'MB', target: '≤ 70 MB' },
        { figure: 'idle, max sample', value: idle.max, unit: 'MB' },
        { figure: `with ${PODS.toLocaleString('en-US')} pods' state`, value: loaded.median, unit: 'MB' },
        { figure: `with ${PODS.toLocaleString('en-US')} pods' state, max sample`, value: loaded.max, unit: 'MB' },
      ],
      extra: { samples: SAMPLES, pods: PODS, idle_mb: idle.median, idle_max_mb: idle.max, [`pods_${PODS}_mb`]: loaded.median, [`pods_${PODS}_max_mb`]: loaded.max },
    });
  } finally {
    if (server) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
