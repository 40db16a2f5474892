#!/usr/bin/env node
// Benchmark (not a test): scheduler placements per second on simulated nodes, with the filters (node state,
// cordon, labels, pods/cpu/ram) and the scoring (least allocated, spread). The peer, measured in the same run on
// the same cluster, is the reference scan (every node looked at for every pod): the scheduler's placement is
// checked to choose the same node for every pod. Each measurement runs in a child process of its own. Usage: node test/bench/scheduler.js [--quick] [nodes pods]
'use strict';
const { nodeLoads, place, scanPlace } = require('../../core/dist/scheduler/scheduler');
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { now, median, quick, report } = require('./lib');

const args = process.argv.includes('--child') ? [] : process.argv.slice(2).filter((a) => !a.startsWith('--')).map(Number);
/** [nodes, pods] per row: 1,000 and 5,000 nodes for 10,000 pods; --quick: 200 nodes × 1,000 pods. */
const SIZES = args.length >= 2 ? [[args[0], args[1]]] : quick ? [[200, 1000]] : [[1000, 10000], [5000, 10000]];
const ROUNDS = quick ? 1 : 5;
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
  const chosen = new Array(pods.length).fill('');
  global.gc?.(); // the set-up's garbage (and its survivors' copying) is not placement's
  const t = now();
  for (let i = 0; i < pods.length; i++) {
    const r = placeFn(pods[i], loads);
    chosen[i] = 'node' in r ? r.node : '';
  }
  return { chosen, seconds: (now() - t) / 1000 };
}

/**
 * One measurement in a child process of its own (`--child IMPL NODES PODS`), so neither implementation runs
 * with the other's compiled code or garbage: warm up, place every pod once, print seconds and a digest of
 * the choices (which the parent compares).
 */
function child(impl, N, P) {
  const placeFn = impl === 'scan' ? scanPlace : place;
  // A server's scheduler runs warm: the JIT has optimised its paths on earlier passes. Both get the same.
  for (let k = 0; k < (quick ? 1 : 3); k++) {
    run(placeFn, Array.from({ length: quick ? 50 : 1000 }, (_, i) => node(i)), Array.from({ length: quick ? 500 : 10000 }, (_, i) => pod(i)));
  }
  const nodes = Array.from({ length: N }, (_, i) => node(i));
  const pods = Array.from({ length: P }, (_, i) => pod(i));
  const { chosen, seconds } = run(placeFn, nodes, pods);
  const digest = createHash('sha256').update(chosen.join(',')).digest('hex');
  process.stdout.write(JSON.stringify({ seconds, digest, placed: chosen.filter(Boolean).length }));
}

function measure(impl, N, P) {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--child', impl, String(N), String(P), ...(quick ? ['--quick'] : [])], { encoding: 'utf8' });
  return JSON.parse(out);
}

if (process.argv.includes('--child')) {
  const i = process.argv.indexOf('--child');
  child(process.argv[i + 1], Number(process.argv[i + 2]), Number(process.argv[i + 3]));
} else {
  const rows = [];
  const sizes = [];
  for (const [N, P] of SIZES) {
    const fast = [];
    const slow = [];
    let placed = 0;
    for (let k = 0; k < ROUNDS; k++) {
      // Alternate which goes first, so neither always runs on a quieter machine.
      const [a, b] = k % 2 ? [measure('scan', N, P), measure('index', N, P)].reverse() : [measure('index', N, P), measure('scan', N, P)];
      if (a.digest !== b.digest) throw new Error(`${N} nodes: the scheduler and the reference scan chose differently (${a.placed} vs ${b.placed} placed)`);
      placed = a.placed;
      fast.push(a.seconds);
      slow.push(b.seconds);
    }
    const [tf, ts] = [median(fast), median(slow)];
    const size = `${N.toLocaleString('en-US')} nodes, ${P.toLocaleString('en-US')} pods`;
    rows.push({ figure: `placements/s (${size})`, value: P / tf, unit: '/s', peer: 'reference scan', peerValue: P / ts, target: N >= 5000 ? `≥ ${TARGET.toLocaleString('en-US')}/s` : undefined });
    rows.push({ figure: `time to place ${P.toLocaleString('en-US')} pods (${N.toLocaleString('en-US')} nodes)`, value: tf * 1000, unit: 'ms', peer: 'reference scan', peerValue: ts * 1000 });
    sizes.push({ nodes: N, pods: P, placed, seconds: fast, reference_seconds: slow, same_choices: true });
  }

  report({
    title: `scheduler: placements per second (1 node in 50 offline, 1 in 97 cordoned; 1 pod in 4 with a label selector; 100 services spread; each measurement in its own process after a warm-up, median of ${ROUNDS})`,
    rows,
    extra: { sizes },
  });
}
