#!/usr/bin/env node
// Benchmark (not a test): how fast the platform itself converges. An `lb server` whose CRI and CII are the
// in-memory example driver (examples/driver-memory, packed and installed into <data dir>/drivers like a
// third-party driver), `lb apply` of N single-replica services (default 1,000) in one file, then the time
// until every pod reports ready, pods/s, and the server's resident memory at the end. Containers cost
// microseconds here, so the figures are the API, store, controller, scheduler and agent — not a runtime.
// Usage: node test/bench/convergence.js [services] | --quick (20 services)
'use strict';
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { installMemoryDriver, PACKAGE } = require('./memory-driver');
const { now, quick, report, sleep } = require('./lib');
const { cpuSeconds, rssMb, runLb, startServer } = require('./server');

const IMAGE = 'lb-test/busybox:latest'; // only a name here: the memory runtime "pulls" it instantly
const N = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? (quick ? 20 : 1000));
// A list of 1,000 pods is work for the server too: once a second keeps it small (20 pods: a fifth of a second).
const POLL_MS = N <= 100 ? 200 : 1000;

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
      await sleep(POLL_MS);
      const pods = await client.pods('bench');
      ready = pods.filter((p) => !p.spec.destroy && p.status.state === 'ready').length;
      for (const q of [0.5, 0.9]) if (ready >= N * q && !marks[q]) marks[q] = now() - t0;
    }
    const total = now() - t0;
    const rss = rssMb(server.process.pid);
    const cpu = cpuSeconds(server.process.pid) - cpu0;

    const sec = (ms) => ms / 1000;
    report({
      title: `${N} single-replica services on @example/driver-memory (one lb server)`,
      rows: [
        { figure: 'lb apply of the services (1 file)', value: sec(applied), unit: 's' },
        { figure: '50% of pods ready', value: sec(marks[0.5]), unit: 's' },
        { figure: '90% of pods ready', value: sec(marks[0.9]), unit: 's' },
        { figure: 'all pods ready (from apply)', value: sec(total), unit: 's' },
        { figure: 'pods/s', value: N / sec(total), unit: 'pods/s', target: '≥ 2,000 pods/s' },
        { figure: 'server CPU time until all ready', value: cpu, unit: 's' },
        { figure: 'server RSS idle', value: idle, unit: 'MB' },
        { figure: 'server RSS at the end', value: rss, unit: 'MB' },
      ],
      extra: { services: N, apply_ms: Math.round(applied), ready_50_ms: Math.round(marks[0.5]), ready_90_ms: Math.round(marks[0.9]), ready_all_ms: Math.round(total), pods_per_s: +(N / (total / 1000)).toFixed(1), server_cpu_s: +cpu.toFixed(1), rss_idle_mb: +idle.toFixed(1), rss_end_mb: +rss.toFixed(1) },
    });
  } finally {
    await cleanup();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
