#!/usr/bin/env node
// Benchmark (not a test): how fast the platform itself converges. An `lb server` whose CRI and CII are the
// in-memory example driver (examples/driver-memory, packed and installed into <data dir>/drivers like a
// third-party driver), `lb apply` of N single-replica services (default 1,000) in one file, then the time
// until every pod reports ready, pods/s, and the server's resident memory at the end. Containers cost
// microseconds here, so the figures are the API, store, controller, scheduler and agent — not a runtime.
// Usage: node test/bench/convergence.js [services]
'use strict';
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, tmpdir } = require('node:os');
const { join } = require('node:path');
const { installMemoryDriver, PACKAGE } = require('./memory-driver');
const { cpuSeconds, runLb, startServer } = require('./server');

const IMAGE = 'lb-test/busybox:latest'; // only a name here: the memory runtime "pulls" it instantly
const N = Number(process.argv[2] ?? 1000);

const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;


async function main() {
  if (!Number.isInteger(N) || N < 1 || N > 9000) throw new Error('services: 1..9000');
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-conv-'));
  let server;
  const cleanup = async () => {
    if (server) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    process.stderr.write('packing examples/driver-memory and installing it into <data dir>/drivers…\n');
    const drivers = installMemoryDriver(dir);
    const node = `bench-conv-${process.pid}`;
    const cfg = join(dir, 'config.json');
    // Containers in memory have no network namespace for a CNI to attach: no overlay, no VIPs (the other benchmarks run on the defaults).
    writeFileSync(cfg, JSON.stringify({ drivers, discovery: { enabled: false }, node: { max_pods: N + 10 } }));
    server = await startServer({ dir, name: node, args: ['--config', cfg] });
    const { client } = server;
    const running = await client.drivers();
    if (!running.some((d) => d.kind === 'cri' && d.package === PACKAGE && d.state === 'ready')) throw new Error(`the memory driver is not the CRI: ${JSON.stringify(running)}`);
    await client.createNamespace({ kind: 'Namespace', meta: { name: 'bench' } });
    const idle = rssMb(server.process.pid);

    const file = join(dir, 'services.yaml');
    const docs = [];
    for (let i = 0; i < N; i++) docs.push(JSON.stringify({ kind: 'Service', meta: { name: `s${String(i).padStart(4, '0')}` }, spec: { replicas: 1, template: { containers: [{ name: 'c', image: { name: IMAGE } }] } } }));
    writeFileSync(file, docs.join('\n---\n'));

    const cpu0 = cpuSeconds(server.process.pid);
    const t0 = now();
    await runLb(server, ['apply', '-f', file, '-n', 'bench', '--detach']);
    const applied = now() - t0;
    const marks = {};
    let ready = 0;
    while (ready < N) {
      if (now() - t0 > 600_000) throw new Error(`only ${ready}/${N} pods ready after 10 minutes`);
      await sleep(1000); // a list of 1,000 pods is work for the server too: once a second keeps it small
      const pods = await client.pods('bench');
      ready = pods.filter((p) => !p.spec.destroy && p.status.state === 'ready').length;
      for (const q of [0.5, 0.9]) if (ready >= N * q && !marks[q]) marks[q] = now() - t0;
    }
    const total = now() - t0;
    const rss = rssMb(server.process.pid);
    const cpu = cpuSeconds(server.process.pid) - cpu0;

    const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
    const rows = [
      [`lb apply of ${N} services (1 file)`, s(applied)],
      ['50% of pods ready', s(marks[0.5])],
      ['90% of pods ready', s(marks[0.9])],
      ['all pods ready (from apply)', s(total)],
      ['pods/s', (N / (total / 1000)).toFixed(1)],
      ['server CPU time until all ready', `${cpu.toFixed(1)} s`],
      ['server RSS idle / at the end', `${idle.toFixed(0)} / ${rss.toFixed(0)} MB`],
    ];
    console.log(`\n${N} single-replica services on @example/driver-memory (one lb server, ${cpus().length} cores)`);
    console.log(`| ${'measure'.padEnd(36)} | ${'value'.padEnd(14)} |\n|${'-'.repeat(38)}|${'-'.repeat(16)}|`);
    for (const [k, v] of rows) console.log(`| ${k.padEnd(36)} | ${v.padEnd(14)} |`);
    console.log(JSON.stringify({ services: N, apply_ms: Math.round(applied), ready_50_ms: Math.round(marks[0.5]), ready_90_ms: Math.round(marks[0.9]), ready_all_ms: Math.round(total), pods_per_s: +(N / (total / 1000)).toFixed(1), server_cpu_s: +cpu.toFixed(1), rss_idle_mb: +idle.toFixed(1), rss_end_mb: +rss.toFixed(1) }));
  } finally {
    await cleanup();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
