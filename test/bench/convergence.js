#!/usr/bin/env node
// Benchmark (not a test): how fast the platform itself converges. For each size, a fresh `lb server` whose
// CRI and CII are the in-memory example driver (examples/driver-memory, packed and installed into <data
// dir>/drivers like a third-party driver) plus simulated nodes (sim-nodes.js: they join, heartbeat, follow
// their node stream and report each pod ready at once, as the memory runtime does) — 100 nodes in all;
// `lb apply` of S services × R replicas in one file, then the time until every service (so every pod)
// reports ready. Containers cost microseconds here, so the figures are the API, store, controller,
// scheduler and node streams — not a runtime. Two sizes in the same run: 1,000 pods (100 × 10) and
// 10,000 pods (1,000 × 10); the ratio of their times says how the platform scales (target ≤ 12×, 10×
// being linear). The server's RSS is printed when the larger run is ready and, settled, 15 s later.
// No peer is measured: the target column says what is asked (≥ 2,000 pods/s). For scale, Nomad's C1M
// published 3,333 containers/s (5,000 nodes; a published figure, not measured here).
// Usage: node test/bench/convergence.js [--quick]   (--quick: 5 nodes, 20 and 100 pods)
// Profiling: LB_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the server (server.js).
'use strict';
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { installMemoryDriver, PACKAGE } = require('./memory-driver');
const { now, quick, report, sleep } = require('./lib');
const { cpuSeconds, rssMb, runLb, startServer } = require('./server');
const { simulateNodes, stopAll } = require('./sim-nodes');
const { wire } = require('@lastbackend/sdk');

const IMAGE = 'lb-test/busybox:latest'; // only a name here: the memory runtime "pulls" it instantly
const NODES = quick ? 5 : 100;
const SIZES = quick ? [{ services: 10, replicas: 2 }, { services: 50, replicas: 2 }] : [{ services: 100, replicas: 10 }, { services: 1000, replicas: 10 }];
/** RSS samples (one a second) after all are ready, for the settled figure. */
const SETTLE_SAMPLES = quick ? 2 : 15;
/** Pods a node may hold: room for an even spread and then some. */
const MAX_PODS = Math.ceil((SIZES[SIZES.length - 1].services * SIZES[SIZES.length - 1].replicas * 2) / NODES) + 10;

/** One size on a fresh server: apply → every service ready. */
async function measure(cache, { services, replicas }) {
  const pods = services * replicas;
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-conv-'));
  let server;
  let sims = [];
  const cleanup = async () => {
    await stopAll(sims);
    if (server) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    process.env.LB_BENCH_DRIVER_CACHE ??= cache;
    const drivers = installMemoryDriver(dir);
    const cfg = join(dir, 'config.json');
    // Containers in memory have no network namespace for a CNI to attach: no overlay, no VIPs (the other benchmarks run on the defaults).
    writeFileSync(cfg, JSON.stringify({ drivers, discovery: { enabled: false }, node: { max_pods: MAX_PODS } }));
    server = await startServer({ dir, name: `bench-conv-${process.pid}`, args: ['--config', cfg] });
    const { client } = server;
    const running = await client.drivers();
    if (!running.some((d) => d.kind === 'cri' && d.package === PACKAGE && d.state === 'ready')) throw new Error(`the memory driver is not the CRI: ${JSON.stringify(running)}`);
    process.stderr.write(`${pods} pods: joining ${NODES - 1} simulated nodes…\n`);
    sims = await simulateNodes(server, NODES - 1, MAX_PODS);
    for (let i = 0; ; i++) {
      const ready = (await client.nodes()).filter((n) => n.status.state === 'ready').length;
      if (ready === NODES) break;
      if (i > 300) throw new Error(`only ${ready}/${NODES} nodes ready`);
      await sleep(100);
    }
    await client.createNamespace({ kind: 'Namespace', meta: { name: 'bench' } });

    const file = join(dir, 'services.yaml');
    const docs = [];
    // A small request each, so the least-allocated score spreads pods over the nodes as it would real ones.
    const container = { name: 'c', image: { name: IMAGE }, resources: { requests: { cpu: '10m', ram: '1mib' } } };
    for (let i = 0; i < services; i++) docs.push(JSON.stringify({ kind: 'Service', meta: { name: `s${String(i).padStart(4, '0')}` }, spec: { replicas, template: { containers: [container] } } }));
    writeFileSync(file, docs.join('\n---\n'));

    // The services are watched (each says how many of its serving version's pods are ready): polling a list
    // of 10,000 pods, or even of 1,000 services, would be work for the server too, and late by up to a poll.
    const ctl = new AbortController();
    const readyOf = new Map();
    const marks = {};
    let ready = 0;
    let t0 = 0;
    let allReady;
    const done = new Promise((res, rej) => {
      (async () => {
        for await (const ev of client.watch('/namespace/bench/service', wire.decodeService, { signal: ctl.signal })) {
          if (!ev.object) continue;
          const s = ev.object;
          const n = ev.type === 'DELETED' || !s.status.deployment ? 0 : Math.min(s.status.replicas.ready, replicas);
          ready += n - (readyOf.get(s.meta.name) ?? 0);
          readyOf.set(s.meta.name, n);
          for (const q of [0.5, 0.9]) if (t0 && ready >= pods * q && !marks[q]) marks[q] = now() - t0;
          if (t0 && ready >= pods) return res((allReady = now() - t0));
        }
        res(undefined);
      })().catch(rej);
    });
    await sleep(200); // the watch is open (an empty namespace: nothing to list)
    const cpu0 = cpuSeconds(server.process.pid);
    const own0 = process.cpuUsage();
    t0 = now();
    await runLb(server, ['apply', '-f', file, '-n', 'bench', '--detach']);
    const applied = now() - t0;
    const timeout = setTimeout(() => ctl.abort(), 900_000);
    await done.finally(() => clearTimeout(timeout));
    ctl.abort();
    if (allReady === undefined) throw new Error(`only ${ready}/${pods} pods ready after 15 minutes`);
    const total = allReady;
    // Where the time went: pods reaching the simulated nodes, their reports stored, then the services ready.
    const at = (f) => ((Math.max(...sims.map((n) => n.times[f])) - t0) / 1000).toFixed(2);
    const first = ((Math.min(...sims.map((n) => n.times.firstPod || Infinity)) - t0) / 1000).toFixed(2);
    const own = process.cpuUsage(own0);
    process.stderr.write(`${pods} pods: first pod on a simulated node at ${first} s, last at ${at('lastPod')} s, last report stored at ${at('lastStored')} s, all ready at ${(total / 1000).toFixed(2)} s; this process (the simulated nodes) used ${((own.user + own.system) / 1e6).toFixed(1)} s of CPU\n`);
    const cpu = cpuSeconds(server.process.pid) - cpu0;
    const rss = rssMb(server.process.pid);
    // The figure is checked: every pod stored as ready.
    const stored = (await client.pods('bench')).filter((p) => !p.spec.destroy && p.status.state === 'ready').length;
    if (stored !== pods) throw new Error(`${stored}/${pods} pods stored as ready once every service said so`);
    const onLocal = (await client.pods('bench')).filter((p) => p.meta.node === server.node).length;
    // At rest with that state: V8 and the allocator give the convergence's garbage back over some seconds,
    // so the RSS at the moment all are ready is the peak, not what the state costs.
    const samples = [];
    for (let i = 0; i < SETTLE_SAMPLES; i++) { await sleep(1000); samples.push(rssMb(server.process.pid)); }
    const rssSettled = samples.sort((a, b) => a - b)[samples.length >> 1];
    return { pods, services, replicas, applied, marks, total, cpu, rss, rssSettled, onLocal };
  } finally {
    await cleanup();
  }
}

async function main() {
  const cache = mkdtempSync(join(tmpdir(), 'lb-bench-conv-drivers-'));
  process.once('SIGINT', () => { rmSync(cache, { recursive: true, force: true }); process.exit(130); });
  try {
    process.stderr.write('packing examples/driver-memory and installing it into <data dir>/drivers…\n');
    const runs = [];
    for (const size of SIZES) runs.push(await measure(cache, size));
    const [small, large] = runs;
    const sec = (ms) => ms / 1000;
    const rows = [];
    for (const r of runs) {
      const n = r.pods.toLocaleString('en-US');
      rows.push(
        { figure: `${n} pods: lb apply (1 file)`, value: sec(r.applied), unit: 's' },
        { figure: `${n} pods: 50% ready`, value: sec(r.marks[0.5]), unit: 's' },
        { figure: `${n} pods: 90% ready`, value: sec(r.marks[0.9]), unit: 's' },
        { figure: `${n} pods: all ready (from apply)`, value: sec(r.total), unit: 's' },
        { figure: `${n} pods: pods/s`, value: r.pods / sec(r.total), unit: 'pods/s', target: '≥ 2,000 pods/s' },
        { figure: `${n} pods: server CPU time until all ready`, value: r.cpu, unit: 's' },
      );
    }
    rows.push(
      { figure: `time at ${large.pods.toLocaleString('en-US')} / time at ${small.pods.toLocaleString('en-US')} pods`, value: large.total / small.total, unit: '×', target: '≤ 12×' },
      { figure: `server RSS when ${large.pods.toLocaleString('en-US')} pods are ready (peak)`, value: large.rss, unit: 'MB' },
      { figure: `server RSS with ${large.pods.toLocaleString('en-US')} pods' state (median of ${SETTLE_SAMPLES} s after)`, value: large.rssSettled, unit: 'MB', target: '≤ 200 MB' },
    );
    report({
      title: `services × replicas on @example/driver-memory over ${NODES} nodes (1 lb server + ${NODES - 1} simulated); no peer measured — Nomad C1M published 3,333 containers/s (not measured here)`,
      rows,
      extra: {
        nodes: NODES,
        runs: runs.map((r) => ({ pods: r.pods, services: r.services, replicas: r.replicas, apply_ms: Math.round(r.applied), ready_50_ms: Math.round(r.marks[0.5]), ready_90_ms: Math.round(r.marks[0.9]), ready_all_ms: Math.round(r.total), pods_per_s: +(r.pods / sec(r.total)).toFixed(1), server_cpu_s: +r.cpu.toFixed(1), rss_at_ready_mb: +r.rss.toFixed(1), rss_settled_mb: +r.rssSettled.toFixed(1), pods_on_server_node: r.onLocal })),
        ratio_large_small: +(large.total / small.total).toFixed(2),
        nomad_c1m_published_per_s: 3333,
      },
    });
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
