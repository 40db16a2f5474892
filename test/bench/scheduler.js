#!/usr/bin/env node
// Benchmark (not a test): scheduler placements per second on simulated nodes, with the filters (node state,
// cordon, labels, pods/cpu/ram) and the scoring (least allocated, spread). The peer, measured in the same run on
// the same cluster, is the reference scan (every node looked at for every pod): the scheduler's placement is
// checked to choose the same node for every pod. Usage: node test/bench/scheduler.js [--quick] [nodes pods]
'use strict';
const { nodeLoads, place, scanPlace } = require('../../core/dist/scheduler/scheduler');
const { now, median, quick, report } = require('./lib');

const args = process.argv.slice(2).filter((a) => !a.startsWith('--')).map(Number);
/** [nodes, pods] per row: 1,000 and 5,000 nodes for 10,000 pods; --quick: 200 nodes × 1,000 pods. */
const SIZES = args.length >= 2 ? [[args[0], args[1]]] : quick ? [[200, 1000]] : [[1000, 10000], [5000, 10000]];
const ROUNDS = quick ? 1 : 3;
const TARGET = 50_000;

const node = (i) => ({
  kind: 'Node', version: 'v1',
  meta: { name: `n${i}`, labels: { zone: `z${i % 3}` }, uid: `${i}`, created: '', updated: '', revision: 1 },
  spec: { unschedulable: i % 97 === 0 },
  status: { state: i % 50 === 0 ? 'offline' : 'ready', online: i % 50 !== 0, capacity: { cpu: 8000, ram: 32 * 1024 ** 3, pods: 110, storage: 0 }, allocated: { cpu: 0, ram: 0, pods: 0 }, addresses: [], os: '', arch: '', hostname: '', version: '', drivers: [], heartbeat: '' },
});
const pod = (i) => ({
  kind: 'Pod', version: 'v1',
  meta: { name: `p${i}`, namespace: 'bench', service: `svc${i % 100}`, deployment: 'v1', node: '', labels: {}, uid: `${i}`, created: '', updated: '', revision: 1 },
  spec: { template: { containers: [], volumes: [], termination: 10 }, selector: i % 4 === 0 ? { labels: { zone: 'z1' } } : undefined, destroy: false, resources: { cpu: 100 + (i % 7) * 50, ram: (128 + (i % 5) * 64) * 1024 ** 2 } },
  status: { state: 'pending', running: false, message: '', network: { host_ip: '', pod_ip: '' }, containers: [] },
});

/** Places every pod on a fresh loads map (index built inside place(), so counted); the choices and the seconds. */
function run(placeFn, nodes, pods) {
  const loads = nodeLoads(nodes, []);
  const chosen = new Array(pods.length);
  const t = now();
  for (let i = 0; i < pods.length; i++) {
    const r = placeFn(pods[i], loads);
    chosen[i] = 'node' in r ? r.node : '';
  }
  return { chosen, seconds: (now() - t) / 1000 };
}

// Warm both up (the JIT optimises the hot paths after a few thousand calls) before measuring.
for (let k = 0; k < (quick ? 1 : 4); k++) {
  const n = Array.from({ length: quick ? 50 : 300 }, (_, i) => node(i));
  const p = Array.from({ length: quick ? 500 : 3000 }, (_, i) => pod(i));
  run(place, n, p);
  run(scanPlace, n, p);
}

const rows = [];
const sizes = [];
for (const [N, P] of SIZES) {
  const nodes = Array.from({ length: N }, (_, i) => node(i));
  const pods = Array.from({ length: P }, (_, i) => pod(i));
  const fast = [];
  const slow = [];
  let placed = 0;
  for (let k = 0; k < ROUNDS; k++) {
    // Alternate which goes first, so neither always runs on a warmer or a busier machine.
    const pair = k % 2 ? [run(scanPlace, nodes, pods), run(place, nodes, pods)].reverse() : [run(place, nodes, pods), run(scanPlace, nodes, pods)];
    const [a, b] = pair;
    const differ = a.chosen.findIndex((c, i) => c !== b.chosen[i]);
    if (differ >= 0) throw new Error(`pod ${differ} placed on ${a.chosen[differ] || 'none'} by the scheduler, ${b.chosen[differ] || 'none'} by the reference scan`);
    placed = a.chosen.filter(Boolean).length;
    fast.push(a.seconds);
    slow.push(b.seconds);
  }
  const [tf, ts] = [median(fast), median(slow)];
  const size = `${N.toLocaleString('en-US')} nodes, ${P.toLocaleString('en-US')} pods`;
  rows.push({ figure: `placements/s (${size})`, value: P / tf, unit: '/s', peer: 'reference scan', peerValue: P / ts, target: N >= 5000 ? `≥ ${TARGET.toLocaleString('en-US')}/s` : undefined });
  rows.push({ figure: `time to place ${P.toLocaleString('en-US')} pods (${N.toLocaleString('en-US')} nodes)`, value: tf * 1000, unit: 'ms', peer: 'reference scan', peerValue: ts * 1000 });
  sizes.push({ nodes: N, pods: P, placed, seconds: tf, reference_seconds: ts, same_choices: true });
}

report({
  title: `scheduler: placements per second (1 node in 50 offline, 1 in 97 cordoned; 1 pod in 4 with a label selector; 100 services spread; ${ROUNDS} round(s), median)`,
  rows,
  extra: { sizes },
});
