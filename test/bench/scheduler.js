#!/usr/bin/env node
// Benchmark (not a test): scheduler placements per second on simulated nodes, with filters (labels,
// resources, state) and scoring (least allocated, spread). Usage: node test/bench/scheduler.js [nodes] [pods]
'use strict';
const { nodeLoads, place } = require('../../core/dist/scheduler/scheduler');

const NODES = Number(process.argv[2] ?? 1000);
const PODS = Number(process.argv[3] ?? 10000);

const node = (i) => ({
  kind: 'Node', version: 'v1',
  meta: { name: `n${i}`, labels: { zone: `z${i % 3}` }, uid: `${i}`, created: '', updated: '', revision: 1 },
  spec: { unschedulable: false },
  status: { state: i % 50 === 0 ? 'offline' : 'ready', online: i % 50 !== 0, capacity: { cpu: 8000, ram: 32 * 1024 ** 3, pods: 110, storage: 0 }, allocated: { cpu: 0, ram: 0, pods: 0 }, addresses: [], os: '', arch: '', hostname: '', version: '', drivers: [], heartbeat: '' },
});
const pod = (i) => ({
  kind: 'Pod', version: 'v1',
  meta: { name: `p${i}`, namespace: 'bench', service: `svc${i % 100}`, deployment: 'v1', node: '', labels: {}, uid: `${i}`, created: '', updated: '', revision: 1 },
  spec: { template: { containers: [], volumes: [], termination: 10 }, selector: i % 4 === 0 ? { labels: { zone: 'z1' } } : undefined, destroy: false, resources: { cpu: 100, ram: 128 * 1024 ** 2 } },
  status: { state: 'pending', running: false, message: '', network: { host_ip: '', pod_ip: '' }, containers: [] },
});

const nodes = Array.from({ length: NODES }, (_, i) => node(i));
const pods = Array.from({ length: PODS }, (_, i) => pod(i));
const loads = nodeLoads(nodes, []);
const t = process.hrtime.bigint();
let placed = 0;
for (const p of pods) if ('node' in place(p, loads)) placed++;
const s = Number(process.hrtime.bigint() - t) / 1e9;
console.log(`\nscheduler: ${PODS} pods on ${NODES} nodes (1 in 50 offline, 1 in 4 pods with a label selector)`);
console.log(`placed ${placed} in ${s.toFixed(2)} s: ${(PODS / s).toFixed(0)} placements/s (target ≥ 10,000/s)`);
console.log(JSON.stringify({ nodes: NODES, pods: PODS, placed, seconds: s, per_second: PODS / s }));
