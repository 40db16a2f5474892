#!/usr/bin/env node
// Benchmark (not a test): deploy latency counted from the user's command to the container running, the
// CLI's start-up included, for the same image and command, rounds taking each in turn (so load from
// elsewhere falls on all alike):
//   - `docker run -d`                         (peer)
//   - Docker Swarm `docker service create -d` (peer; Swarm initialised here, and left behind with nothing)
//   - `lb run` (waits for the rollout by default: also the time until it returns) and `lb run --detach`,
//     each run as a user's shell does (core/bin/lb.js by its #! line) against an `lb server` on loopback.
// "Running" is the engine's word: the `start` event of the container on `docker events` (its timeNano),
// waited for at most 30 s. Clocks: the bench's spawn time and the engine's event time are both this
// machine's wall clock (performance.timeOrigin + now()).
// Per-hop breakdown of lb (medians): the trace points the platform writes when $LB_DEPLOY_TRACE names a file
// (core/src/util/deploy-trace.ts): CLI start → request → controller's watch → its pass (scheduler and store
// commit included) → the agent gets the pod over its node stream → runtime (container inspect, image inspect,
// create, start) → the engine's start event.
// Needs a Docker engine and the test image (bash test/fixtures/build-image.sh).
// Usage: node test/bench/deploy-latency.js [runs] [--quick] [--no-swarm]   (default 9 runs; --quick: 2)
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { median, percentile, quick, report, sleep } = require('./lib');
const { LB, removeNodeContainers, startServer } = require('./server');

const IMAGE = 'lb-test/busybox:latest';
const CMD = ['httpd', '-f', '-p', '8080', '-h', '/www'];
const RUNS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? (quick ? 2 : 9));
// Swarm's overlay address pool: outside the cluster's (10.210.0.0/16) and services' (10.211.0.0/16) ranges
// and the test suites' (10.99, 10.214, 10.226).
const SWARM_POOL = '10.247.0.0/16';
const WANT_SWARM = !process.argv.includes('--no-swarm');

/** Epoch milliseconds, sub-millisecond, from the monotonic clock. */
const epoch = () => performance.timeOrigin + performance.now();

const docker = (args) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Runs CMD ARGS… with ENV; resolves with its exit time (epoch ms) when it exits 0, rejects with its stderr otherwise. */
function timedRun(cmd, args, env) {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('error', rej);
    c.on('exit', (code) => (code === 0 ? res(epoch()) : rej(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err}`))));
  });
}

/** The engine's container start events, as they come (one `docker events` process for the whole run). */
class EngineStarts {
  constructor() {
    /** @type {{ t: number, attrs: Record<string, string> }[]} */
    this.seen = [];
    /** @type {Set<() => void>} */
    this.waiters = new Set();
    // --since: events from a second before, so none is missed while the subscription is being made.
    const since = String(Math.floor(Date.now() / 1000) - 1);
    this.proc = spawn('docker', ['events', '--since', since, '--filter', 'type=container', '--filter', 'event=start', '--format', '{{json .}}'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let buf = '';
    this.proc.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const ev = JSON.parse(line);
          this.seen.push({ t: Number(BigInt(ev.timeNano) / 1000n) / 1000, attrs: ev.Actor?.Attributes ?? {} });
        } catch {
          continue;
        }
        for (const w of [...this.waiters]) w();
      }
    });
  }

  /** When the engine started the first container matching `match` (epoch ms); throws after 30 s. */
  async started(match) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const hit = this.seen.find((e) => match(e.attrs));
      if (hit) return hit.t;
      if (Date.now() > deadline) throw new Error('no container start event within 30 s');
      await new Promise((r) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          r();
        };
        const timer = setTimeout(done, 500);
        this.waiters.add(done);
      });
    }
  }

  stop() {
    this.proc.kill();
  }
}

/** Waits (bounded) until no container carries label KEY=VALUE: runs stay independent of the last one's teardown. */
async function gone(label) {
  for (let i = 0; i < 300; i++) {
    if (!docker(['ps', '-aq', '--filter', `label=${label}`])) return;
    await sleep(100);
  }
}

/** Swarm, initialised for this run: local, its pool outside the platform's ranges. Returns its cleanup. */
function initSwarm() {
  const state = docker(['info', '--format', '{{.Swarm.LocalNodeState}}']);
  if (state !== 'inactive') {
    console.error(`swarm: this engine is already in swarm state "${state}": not measured (it is not this bench's to leave)`);
    return undefined;
  }
  const hadGwbridge = docker(['network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$']) !== '';
  docker(['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', '127.0.0.1:2377', '--default-addr-pool', SWARM_POOL, '--default-addr-pool-mask-length', '24']);
  return () => {
    try {
      docker(['swarm', 'leave', '--force']);
    } catch (e) {
      console.error(`swarm leave: ${e.message}`);
    }
    for (const net of ['ingress', ...(hadGwbridge ? [] : ['docker_gwbridge'])]) {
      try {
        if (docker(['network', 'ls', '-q', '--filter', `name=^${net}$`])) docker(['network', 'rm', net]);
      } catch (e) {
        console.error(`network rm ${net}: ${e.message}`);
      }
    }
  };
}

/** Reads the trace file: hop → service key → first time (epoch ms). */
function readTrace(file) {
  /** @type {Map<string, Map<string, number>>} */
  const byKey = new Map();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return byKey;
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    const { hop, key, t } = JSON.parse(line);
    if (!byKey.has(key)) byKey.set(key, new Map());
    const hops = byKey.get(key);
    if (!hops.has(hop)) hops.set(hop, t);
  }
  return byKey;
}

/** The breakdown's hops, in order: [figure, from point, to point]. "spawn" and "running" are the bench's own. */
const HOPS = [
  ['lb: CLI start-up (spawn → request sent)', 'spawn', 'cli.request'],
  ['lb: API → synced store write → controller watch', 'cli.request', 'controller.watch'],
  ['lb: API answered the CLI (request → response)', 'cli.request', 'cli.created'],
  ['lb: controller pass (deployment, pod, scheduler, commit)', 'controller.watch', 'controller.reconciled'],
  ['lb: controller watch → agent has the pod (node stream)', 'controller.watch', 'agent.pod'],
  ['lb: agent: pod → sync starts', 'agent.pod', 'agent.sync'],
  ['lb: runtime: container inspect', 'agent.sync', 'rt.inspect'],
  ['lb: runtime: image inspect', 'rt.inspect', 'rt.image'],
  ['lb: runtime: create', 'rt.image', 'rt.create'],
  ['lb: runtime: start', 'rt.create', 'rt.start'],
  ['lb: engine start event vs start returned', 'rt.start', 'running'],
  ['lb: after start: inspect', 'rt.start', 'rt.inspected'],
  ['lb: network attach (CNI)', 'rt.inspected', 'cni.attached'],
  ['lb: status reported', 'cni.attached', 'agent.reported'],
];

async function main() {
  docker(['image', 'inspect', IMAGE]);
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-'));
  const trace = join(dir, 'deploy-trace.jsonl');
  process.env.LB_DEPLOY_TRACE = trace; // the server and every `lb run` write their trace points there
  const node = `bench-${process.pid}`;
  const tag = `lbbench${process.pid}`;
  const events = new EngineStarts();
  let server;
  let leaveSwarm;
  /** @type {Record<string, number[]>} */
  const t = { docker: [], swarm: [], lb: [], lbReturned: [], lbDetach: [], lbDetachReturned: [] };
  /** @type {Map<string, number>} lb service key → spawn time, running time */
  const spawned = new Map();
  const running = new Map();
  try {
    server = await startServer({ dir, name: node });
    const { client, env } = server;
    await client.createNamespace({ kind: 'Namespace', meta: { name: 'bench' } });
    if (WANT_SWARM) leaveSwarm = initSwarm();

    // Round -1 is a warm-up (page cache, engine, the stream of events): not counted.
    for (let i = -1; i < RUNS; i++) {
      const n = i + 1;
      const keep = i >= 0;

      // docker run -d
      const dname = `${tag}-docker-${n}`;
      let t0 = epoch();
      await timedRun('docker', ['run', '-d', '--label', `${tag}=docker`, '--name', dname, IMAGE, ...CMD]);
      let up = await events.started((a) => a.name === dname);
      if (keep) t.docker.push(up - t0);
      docker(['rm', '-f', dname]);

      // docker service create -d (Swarm)
      if (leaveSwarm) {
        const sname = `${tag}-swarm-${n}`;
        t0 = epoch();
        await timedRun('docker', ['service', 'create', '--detach', '--quiet', '--no-resolve-image', '--restart-condition', 'none', '--name', sname, IMAGE, ...CMD]);
        up = await events.started((a) => a['com.docker.swarm.service.name'] === sname);
        if (keep) t.swarm.push(up - t0);
        docker(['service', 'rm', sname]);
        await gone(`com.docker.swarm.service.name=${sname}`);
      }

      // lb run (waits for the rollout), then lb run --detach
      for (const detach of [false, true]) {
        const svc = `b${n}${detach ? 'd' : ''}`;
        const key = `bench/${svc}`;
        t0 = epoch();
        spawned.set(key, t0);
        const returned = await timedRun(LB, ['run', svc, IMAGE, '-n', 'bench', '--command', CMD.join(' '), ...(detach ? ['--detach'] : [])], env);
        up = await events.started((a) => a['io.lastbackend.namespace'] === 'bench' && a['io.lastbackend.service'] === svc);
        running.set(key, up);
        if (keep) {
          (detach ? t.lbDetach : t.lb).push(up - t0);
          (detach ? t.lbDetachReturned : t.lbReturned).push(returned - t0);
        }
        await client.deleteService('bench', svc);
        await gone(`io.lastbackend.service=${svc}`);
      }
    }

    // The breakdown, over the counted runs of both lb commands.
    const traced = readTrace(trace);
    /** @type {Record<string, number>} */
    const hops = {};
    for (const [figure, from, to] of HOPS) {
      const xs = [];
      for (const [key, t0] of spawned) {
        if (key === 'bench/b0' || key === 'bench/b0d') continue; // the warm-up
        const p = traced.get(key) ?? new Map();
        const at = (h) => (h === 'spawn' ? t0 : h === 'running' ? running.get(key) : p.get(h));
        const a = at(from);
        const b = at(to);
        if (a !== undefined && b !== undefined) xs.push(b - a);
      }
      if (xs.length) hops[figure] = median(xs);
    }

    const dockerMs = median(t.docker);
    const swarmMs = leaveSwarm ? median(t.swarm) : undefined;
    report({
      title: `deploy: command → container running (engine's start event), CLI included; ${RUNS} runs each, image ${IMAGE}, rounds in turn`,
      rows: [
        { figure: 'lb run → running, median', value: median(t.lb), unit: 'ms', peer: 'docker run -d → running', peerValue: dockerMs, target: '≤ 1.2×' },
        ...(swarmMs !== undefined ? [{ figure: 'lb run → running, median (vs Swarm)', value: median(t.lb), unit: 'ms', peer: 'swarm service create → running', peerValue: swarmMs, target: '≤ 0.6×' }] : []),
        { figure: 'lb run --detach → running, median', value: median(t.lbDetach), unit: 'ms', peer: 'docker run -d → running', peerValue: dockerMs },
        { figure: 'lb run → running, p99', value: percentile(t.lb, 0.99), unit: 'ms', peer: 'docker run -d, p99', peerValue: percentile(t.docker, 0.99) },
        { figure: 'lb run → returns (waits for the rollout, --min-ready 1s)', value: median(t.lbReturned), unit: 'ms', peer: 'lb run → running', peerValue: median(t.lb) },
        { figure: 'lb run --detach → returns', value: median(t.lbDetachReturned), unit: 'ms' },
        ...Object.entries(hops).map(([figure, value]) => ({ figure, value, unit: 'ms' })),
      ],
      extra: {
        runs: RUNS,
        swarm: leaveSwarm ? { pool: SWARM_POOL } : 'not measured',
        ms: Object.fromEntries(Object.entries(t).map(([k, xs]) => [k, { median: median(xs), p99: percentile(xs, 0.99), all: xs.map((x) => Math.round(x)) }])),
        hops_ms: hops,
      },
    });
  } finally {
    events.stop();
    for (const id of docker(['ps', '-aq', '--filter', `label=${tag}`]).split('\n').filter(Boolean)) docker(['rm', '-f', id]);
    leaveSwarm?.();
    if (server) await server.stop();
    removeNodeContainers(node);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
