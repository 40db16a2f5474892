#!/usr/bin/env node
// Benchmark (not a test): how long `lb` takes to start and finish a command that does not wait on a
// server — `lb version` with none listening (LB_SERVER at a closed loopback port: the client's version,
// then "server not reachable"), `lb --help`, and `lb run` up to its refused request — against `docker
// version` / `docker --help` (the peer; Go, one static binary) and `node -e 0` (node's own start, the floor
// any Node CLI stands on; when the environment sets NODE_EXTRA_CA_CERTS, also without it, as lb's launcher
// starts client commands), run in turn in the same run, each timed from spawn to exit. Runs
// `core/bin/lb.js` as a user's shell does (its #! line and launcher), against the built dist/.
// Usage: node test/bench/cli-startup.js [runs] [--quick]   (default 21 runs each; --quick: 3);
// LB_BIN=/other/checkout/core/bin/lb.js measures another build; LB_BEFORE=/other/…/lb.js adds that build's
// `lb version` and `lb --help` to the same run, as the peer of this one's (before/after).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { createServer } = require('node:net');
const { join } = require('node:path');
const { median, now, quick, report } = require('./lib');

const LB = process.env.LB_BIN || join(__dirname, '../../core/bin/lb.js');
const BEFORE = process.env.LB_BEFORE;
const RUNS = quick ? 3 : Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 21);

/** A loopback port nothing listens on (taken, then closed): connects to it are refused at once. */
function closedPort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * Milliseconds from spawn to exit, and what it printed.
 * @param {string} cmd @param {string[]} args @param {NodeJS.ProcessEnv} env
 * @returns {Promise<{ ms: number, code: number | null, out: string }>}
 */
function timed(cmd, args, env) {
  return new Promise((resolve, reject) => {
    let out = '';
    const t = now();
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ ms: now() - t, code, out }));
  });
}

const hasDocker = () => spawnSync('docker', ['--version'], { stdio: 'ignore' }).status === 0;

async function main() {
  const server = `http://127.0.0.1:${await closedPort()}`;
  // No context, token or server of the user's: only the closed port.
  const env = { ...process.env, LB_SERVER: server, LB_CLI_CONFIG: '/nonexistent/lb-bench/cli.json' };
  for (const k of ['LB_TOKEN', 'LB_CONTEXT', 'LB_CA_FILE']) delete env[k];

  /** @type {Record<string, { cmd: string, args: string[], env?: NodeJS.ProcessEnv, check?: (r: { code: number | null, out: string }) => boolean }>} */
  const cases = {
    'lb version': { cmd: LB, args: ['version'], check: (r) => r.code === 0 && r.out.includes(`server not reachable at ${server}`) },
    'lb --help': { cmd: LB, args: ['--help'], check: (r) => r.code === 0 && r.out.includes('Usage: lb') },
    'lb run': { cmd: LB, args: ['run', 'web', 'nginx:1'], check: (r) => r.code === 1 && r.out.includes('cannot reach the API server') },
    'node -e 0': { cmd: process.execPath, args: ['-e', '0'] },
  };
  // Node parses NODE_EXTRA_CA_CERTS's file at start-up; lb's launcher moves it aside for client commands
  // (core/bin/lb.js), so their floor is node's start without it.
  const noExtraCa = env.NODE_EXTRA_CA_CERTS ? 'node -e 0, no NODE_EXTRA_CA_CERTS' : undefined;
  if (noExtraCa) {
    const { NODE_EXTRA_CA_CERTS: _, ...without } = env;
    cases[noExtraCa] = { cmd: process.execPath, args: ['-e', '0'], env: without };
  }
  if (BEFORE) {
    cases['before: lb version'] = { cmd: BEFORE, args: ['version'], check: cases['lb version'].check };
    cases['before: lb --help'] = { cmd: BEFORE, args: ['--help'], check: cases['lb --help'].check };
  }
  if (hasDocker()) {
    cases['docker version'] = { cmd: 'docker', args: ['version'] };
    cases['docker --help'] = { cmd: 'docker', args: ['--help'] };
    // The client alone (no daemon round trip), for the record.
    cases['docker --version'] = { cmd: 'docker', args: ['--version'] };
  }

  /** @type {Record<string, number[]>} */
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  // One untimed round (the page cache), then rounds that take each command in turn, so load from
  // elsewhere falls on all of them alike.
  for (let round = -1; round < RUNS; round++) {
    for (const [name, c] of Object.entries(cases)) {
      const r = await timed(c.cmd, c.args, c.env ?? env);
      if (c.check && !c.check(r)) throw new Error(`${name}: unexpected result (exit ${r.code}):\n${r.out}`);
      if (round >= 0) times[name].push(r.ms);
    }
  }
  const m = /** @param {string} k */ (k) => (times[k] ? median(times[k]) : undefined);
  const docker = m('docker version');
  const floor = /** @type {number} */ (m('node -e 0'));
  const lbFloor = noExtraCa ? /** @type {number} */ (m(noExtraCa)) : floor;
  const row = /** @param {string} figure @param {number} value @param {string} peer @param {number | undefined} peerValue @param {string} [target] */ (figure, value, peer, peerValue, target) => ({
    figure,
    value,
    unit: 'ms',
    ...(peerValue !== undefined && { peer, peerValue }),
    ...(target && { target }),
  });
  report({
    title: `lb start-up: spawn → exit, median of ${RUNS} runs each (lb with no server: LB_SERVER at a closed port)`,
    rows: [
      row('lb version (no server)', /** @type {number} */ (m('lb version')), 'docker version', docker, '≤ 70 ms'),
      row('lb --help', /** @type {number} */ (m('lb --help')), 'docker --help', m('docker --help'), '≤ 70 ms'),
      row('lb run (up to its refused request)', /** @type {number} */ (m('lb run')), noExtraCa ?? 'node -e 0', lbFloor),
      row('lb version over node\'s own start', /** @type {number} */ (m('lb version')), noExtraCa ?? 'node -e 0', lbFloor),
      row('node -e 0 (the floor)', floor, 'docker version', docker),
      ...(noExtraCa ? [row(`${noExtraCa} (the floor of lb's client commands)`, lbFloor, 'docker version', docker)] : []),
      ...(BEFORE
        ? [
            row('lb version, this build vs LB_BEFORE', /** @type {number} */ (m('lb version')), 'LB_BEFORE lb version', m('before: lb version')),
            row('lb --help, this build vs LB_BEFORE', /** @type {number} */ (m('lb --help')), 'LB_BEFORE lb --help', m('before: lb --help')),
          ]
        : []),
    ],
    extra: { runs: RUNS, node: process.version, ...(BEFORE && { before: BEFORE }), medians_ms: Object.fromEntries(Object.keys(times).map((k) => [k, m(k)])) },
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
