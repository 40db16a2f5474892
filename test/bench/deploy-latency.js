#!/usr/bin/env node
// Benchmark (not a test): deploy latency counted from the user's command to the container running, the
// CLI's start-up included, for the same image and command, rounds taking each in turn (so load from
// elsewhere falls on all alike):
//   - `docker run -d`                         (peer)
//   - Docker Swarm `docker service create -d` (peer; Swarm initialised here, and left behind with nothing)
//   - `lb run` (waits for the rollout by default: also the time until it returns) and `lb run --detach`,
//     each run as a user's shell does (core/bin/lb.js by its #! line) against an `lb server` on loopback;
//   - then the same server's node swapped to the containerd driver (`lb driver set cri,cii`; the image
//     imported into a containerd namespace of the bench's own, removed at the end), and `lb run` measured
//     again, in turn with both peers again (containerd: $LB_BENCH_CONTAINERD, else /run/containerd's, else
//     the one dockerd runs; `--no-containerd` skips this phase).
// "Running" is the runtime's word: the `start` event of the container on `docker events` (its timeNano), or
// containerd's /tasks/start on `ctr events`, waited for at most 30 s. Clocks: the bench's spawn time and the
// runtime's event time are both this machine's wall clock (performance.timeOrigin + now()).
// Per-hop breakdown of lb (medians): the trace points the platform writes when $LB_DEPLOY_TRACE names a file
// (core/src/util/deploy-trace.ts): CLI start → request → controller's watch → its pass (scheduler and store
// commit included) → the agent gets the pod over its node stream → runtime (container inspect, image inspect,
// create, start) → the runtime's start event.
// Needs a Docker engine, the test image (bash test/fixtures/build-image.sh), and for its second phase
// containerd and ctr.
// Usage: node test/bench/deploy-latency.js [runs] [--quick] [--no-swarm] [--no-containerd]   (default 9 runs; --quick: 2)
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
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
const WANT_CONTAINERD = !process.argv.includes('--no-containerd');

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

/**
 * Start events as they come, from one long-lived process (`docker events` / `ctr events`) whose lines
 * `parse` reads into { t: epoch ms, attrs } (or undefined: not a start).
 */
class StartEvents {
  /** @param {import('node:child_process').ChildProcess} proc @param {(line: string) => { t: number, attrs: Record<string, string> } | undefined} parse */
  constructor(proc, parse) {
    /** @type {{ t: number, attrs: Record<string, string> }[]} */
    this.seen = [];
    /** @type {Set<() => void>} */
    this.waiters = new Set();
    this.proc = proc;
    let buf = '';
    proc.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let ev;
        try {
          ev = parse(line);
        } catch {
          continue;
        }
        if (!ev) continue;
        this.seen.push(ev);
        for (const w of [...this.waiters]) w();
      }
    });
  }

  /** When the first container matching `match` started (epoch ms); throws after 30 s. */
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

/** Docker's container start events; attrs are the container's labels and name. */
function dockerStarts() {
  // --since: events from a second before, so none is missed while the subscription is being made.
  const since = String(Math.floor(Date.now() / 1000) - 1);
  const proc = spawn('docker', ['events', '--since', since, '--filter', 'type=container', '--filter', 'event=start', '--format', '{{json .}}'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new StartEvents(proc, (line) => {
    const ev = JSON.parse(line);
    return { t: Number(BigInt(ev.timeNano) / 1000n) / 1000, attrs: ev.Actor?.Attributes ?? {} };
  });
}

/**
 * containerd's task start events in namespace NS; attrs.id is the container's id. A line reads
 * `2026-12-05 15:23:15.578736924 +0000 UTC NS /tasks/start {"container_id":"…","pid":1044}`.
 */
function containerdStarts(socket, ns) {
  const proc = spawn('ctr', ['--address', socket, 'events'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new StartEvents(proc, (line) => {
    const m = /^(\S+) (\d\d:\d\d:\d\d)(?:\.(\d+))? \+0000 UTC (\S+) \/tasks\/start (\{.*\})$/.exec(line);
    if (!m || m[4] !== ns) return undefined;
    const t = Date.parse(`${m[1]}T${m[2]}Z`) + Number(`0.${m[3] ?? '0'}`) * 1000;
    return { t, attrs: { id: JSON.parse(m[5]).container_id } };
  });
}

/** containerd's socket for the containerd phase: $LB_BENCH_CONTAINERD, else the system's, else the one dockerd runs. */
function findContainerd() {
  const candidates = process.env.LB_BENCH_CONTAINERD ? [process.env.LB_BENCH_CONTAINERD] : ['/run/containerd/containerd.sock', '/var/run/docker/containerd/containerd.sock'];
  const socket = candidates.find((s) => existsSync(s));
  if (!socket) return { why: `no containerd socket (${candidates.join(', ')}; set LB_BENCH_CONTAINERD)` };
  try {
    execFileSync('ctr', ['--address', socket, 'version'], { stdio: 'ignore' });
  } catch (e) {
    return { why: `ctr --address ${socket} version: ${e.message}` };
  }
  return { socket };
}

/** ctr ARGS… in namespace NS at SOCKET. */
const ctr = (socket, ns, args, opts = {}) => execFileSync('ctr', ['--address', socket, '-n', ns, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }).trim();

/** Everything the containerd phase left in namespace NS (tasks, containers, images), then NS itself. */
function removeContainerdNamespace(socket, ns) {
  const quiet = (args) => {
    try {
      return ctr(socket, ns, args);
    } catch {
      return '';
    }
  };
  for (const id of quiet(['containers', 'ls', '-q']).split('\n').filter(Boolean)) {
    quiet(['tasks', 'kill', '-s', 'SIGKILL', id]);
    for (let i = 0; i < 50 && quiet(['tasks', 'ls', '-q']).split('\n').includes(id); i++) {
      quiet(['tasks', 'rm', '-f', id]);
      execFileSync('sleep', ['0.1']);
    }
    quiet(['containers', 'rm', id]);
  }
  for (const ref of quiet(['images', 'ls', '-q']).split('\n').filter(Boolean)) quiet(['images', 'rm', '--sync', ref]);
  try {
    execFileSync('ctr', ['--address', socket, 'namespaces', 'rm', ns], { stdio: 'ignore' });
  } catch (e) {
    console.error(`ctr namespaces rm ${ns}: ${e.message}`);
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
  ['lb: runtime start event vs start returned', 'rt.start', 'running'],
  ['lb: after start: inspect', 'rt.start', 'rt.inspected'],
  ['lb: network attach (CNI)', 'rt.inspected', 'cni.attached'],
  ['lb: status reported', 'cni.attached', 'agent.reported'],
];

/**
 * The per-hop breakdown (medians) of the lb runs in SPAWNED (service key → spawn time, epoch ms), RUNNING
 * (key → the runtime's start event), from the trace points in TRACED; figures named with PREFIX for "lb: ".
 */
function breakdown(traced, spawned, running, prefix) {
  /** @type {Record<string, number>} */
  const hops = {};
  for (const [figure, from, to] of HOPS) {
    const xs = [];
    for (const [key, t0] of spawned) {
      const p = traced.get(key) ?? new Map();
      const at = (h) => (h === 'spawn' ? t0 : h === 'running' ? running.get(key) : p.get(h));
      const a = at(from);
      const b = at(to);
      if (a !== undefined && b !== undefined) xs.push(b - a);
    }
    if (xs.length) hops[figure.replace(/^lb: /, prefix)] = median(xs);
  }
  return hops;
}

async function main() {
  docker(['image', 'inspect', IMAGE]);
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-'));
  const trace = join(dir, 'deploy-trace.jsonl');
  process.env.LB_DEPLOY_TRACE = trace; // the server and every `lb run` write their trace points there
  const node = `bench-${process.pid}`;
  const tag = `lbbench${process.pid}`;
  const ctd = WANT_CONTAINERD ? findContainerd() : { why: 'not asked for (--no-containerd)' };
  const ctdNs = `lb-bench-${process.pid}`;
  const dockerEvents = dockerStarts();
  let ctdEvents;
  let server;
  let leaveSwarm;
  /** @type {Record<string, number[]>} the docker phase, then the containerd phase (ctd…) */
  const t = { docker: [], swarm: [], lb: [], lbReturned: [], lbDetach: [], lbDetachReturned: [], ctdDocker: [], ctdSwarm: [], ctdLb: [] };
  /** lb service key → spawn time and running time, of the counted runs of each phase */
  const spawned = { docker: new Map(), containerd: new Map() };
  const running = new Map();
  try {
    server = await startServer({ dir, name: node });
    const { client, env } = server;
    await client.createNamespace({ kind: 'Namespace', meta: { name: 'bench' } });
    if (WANT_SWARM) leaveSwarm = initSwarm();

    /** The peers, in turn: `docker run -d`, then Swarm's `service create` (when it runs here). */
    const peers = async (n, keep, dockerTimes, swarmTimes) => {
      const dname = `${tag}-docker-${n}`;
      let t0 = epoch();
      await timedRun('docker', ['run', '-d', '--label', `${tag}=docker`, '--name', dname, IMAGE, ...CMD]);
      let up = await dockerEvents.started((a) => a.name === dname);
      if (keep) dockerTimes.push(up - t0);
      docker(['rm', '-f', dname]);
      if (!leaveSwarm) return;
      const sname = `${tag}-swarm-${n}`;
      t0 = epoch();
      await timedRun('docker', ['service', 'create', '--detach', '--quiet', '--no-resolve-image', '--restart-condition', 'none', '--name', sname, IMAGE, ...CMD]);
      up = await dockerEvents.started((a) => a['com.docker.swarm.service.name'] === sname);
      if (keep) swarmTimes.push(up - t0);
      docker(['service', 'rm', sname]);
      await gone(`com.docker.swarm.service.name=${sname}`);
    };

    /**
     * `lb run SVC` (ARGS added) → the runtime's start event (STARTED finds it), then the service deleted and
     * its containers gone (GONE). Returns both times from the spawn (ms); the run is recorded in PHASE when KEEP.
     */
    const lbRun = async (svc, args, started, whenGone, phase, keep) => {
      const key = `bench/${svc}`;
      const t0 = epoch();
      const returned = await timedRun(LB, ['run', svc, IMAGE, '-n', 'bench', '--command', CMD.join(' '), ...args], env);
      const up = await started(svc);
      if (keep) {
        spawned[phase].set(key, t0);
        running.set(key, up);
      }
      await client.deleteService('bench', svc);
      await whenGone(svc);
      return { running: up - t0, returned: returned - t0 };
    };

    // The docker phase: lb on its default runtime. Round -1 is a warm-up (page cache, engine, the stream
    // of events): not counted.
    const onDocker = (svc) => dockerEvents.started((a) => a['io.lastbackend.namespace'] === 'bench' && a['io.lastbackend.service'] === svc);
    const dockerGone = (svc) => gone(`io.lastbackend.service=${svc}`);
    for (let i = -1; i < RUNS; i++) {
      const n = i + 1;
      const keep = i >= 0;
      await peers(n, keep, t.docker, t.swarm);
      // lb run (waits for the rollout), then lb run --detach
      for (const detach of [false, true]) {
        const r = await lbRun(`b${n}${detach ? 'd' : ''}`, detach ? ['--detach'] : [], onDocker, dockerGone, 'docker', keep);
        if (keep) {
          (detach ? t.lbDetach : t.lb).push(r.running);
          (detach ? t.lbDetachReturned : t.lbReturned).push(r.returned);
        }
      }
    }

    // The containerd phase: the same server's node swapped to the containerd driver (CRI and CII), the
    // image imported into a containerd namespace of its own; the peers measured again, in turn with it.
    if (ctd.socket) {
      const tar = join(dir, 'image.tar');
      docker(['save', '-o', tar, IMAGE]);
      ctr(ctd.socket, ctdNs, ['images', 'import', tar]);
      const config = JSON.stringify({ address: ctd.socket, namespace: ctdNs });
      const set = execFileSync(LB, ['driver', 'set', 'cri,cii', '@lastbackend/driver-containerd', '--config', config, '--node', node], { env: { ...process.env, ...env }, encoding: 'utf8' });
      if (!/^cri driver is @lastbackend\/driver-containerd@\S+ \(ready\)$/m.test(set)) throw new Error(`lb driver set cri,cii: ${set}`);
      ctdEvents = containerdStarts(ctd.socket, ctdNs);
      // Container ids are lb_<namespace>_<pod>_<container>, the pod named <service>-<suffix>.
      const ofService = (svc) => (id) => id.startsWith(`lb_bench_${svc}-`);
      const onContainerd = (svc) => ctdEvents.started((a) => ofService(svc)(a.id));
      const containerdGone = async (svc) => {
        for (let i = 0; i < 300 && ctr(ctd.socket, ctdNs, ['containers', 'ls', '-q']).split('\n').some(ofService(svc)); i++) await sleep(100);
      };
      for (let i = -1; i < RUNS; i++) {
        const n = i + 1;
        const keep = i >= 0;
        await peers(`c${n}`, keep, t.ctdDocker, t.ctdSwarm);
        const r = await lbRun(`c${n}`, [], onContainerd, containerdGone, 'containerd', keep);
        if (keep) t.ctdLb.push(r.running);
      }
    } else {
      console.error(`containerd phase: not measured: ${ctd.why}`);
    }

    const traced = readTrace(trace);
    const hops = breakdown(traced, spawned.docker, running, 'lb: ');
    const ctdHops = ctd.socket ? breakdown(traced, spawned.containerd, running, 'lb on containerd: ') : {};
    const dockerMs = median(t.docker);
    const swarmMs = leaveSwarm ? median(t.swarm) : undefined;
    const ctdDockerMs = median(t.ctdDocker);
    report({
      title: `deploy: command → container running (the runtime's start event), CLI included; ${RUNS} runs each, image ${IMAGE}, rounds in turn`,
      rows: [
        { figure: 'lb run → running, median', value: median(t.lb), unit: 'ms', peer: 'docker run -d → running', peerValue: dockerMs, target: '≤ 1.2×' },
        ...(swarmMs !== undefined ? [{ figure: 'lb run → running, median (vs Swarm)', value: median(t.lb), unit: 'ms', peer: 'swarm service create → running', peerValue: swarmMs, target: '≤ 0.6×' }] : []),
        { figure: 'lb run --detach → running, median', value: median(t.lbDetach), unit: 'ms', peer: 'docker run -d → running', peerValue: dockerMs },
        { figure: 'lb run → running, p99', value: percentile(t.lb, 0.99), unit: 'ms', peer: 'docker run -d, p99', peerValue: percentile(t.docker, 0.99) },
        { figure: 'lb run → returns (waits for the rollout, --min-ready 1s)', value: median(t.lbReturned), unit: 'ms', peer: 'lb run → running', peerValue: median(t.lb) },
        { figure: 'lb run --detach → returns', value: median(t.lbDetachReturned), unit: 'ms' },
        ...(ctd.socket
          ? [
              { figure: 'lb run on containerd → running, median', value: median(t.ctdLb), unit: 'ms', peer: 'docker run -d → running (same phase)', peerValue: ctdDockerMs, target: '≤ 1.2×' },
              ...(leaveSwarm ? [{ figure: 'lb run on containerd → running, median (vs Swarm)', value: median(t.ctdLb), unit: 'ms', peer: 'swarm service create → running (same phase)', peerValue: median(t.ctdSwarm), target: '≤ 0.6×' }] : []),
              { figure: 'lb run on containerd → running, p99', value: percentile(t.ctdLb, 0.99), unit: 'ms', peer: 'docker run -d, p99 (same phase)', peerValue: percentile(t.ctdDocker, 0.99) },
            ]
          : []),
        ...Object.entries({ ...hops, ...ctdHops }).map(([figure, value]) => ({ figure, value, unit: 'ms' })),
      ],
      extra: {
        runs: RUNS,
        swarm: leaveSwarm ? { pool: SWARM_POOL } : 'not measured',
        containerd: ctd.socket ? { socket: ctd.socket, namespace: ctdNs } : `not measured: ${ctd.why}`,
        ms: Object.fromEntries(Object.entries(t).map(([k, xs]) => [k, { median: median(xs), p99: percentile(xs, 0.99), all: xs.map((x) => Math.round(x)) }])),
        hops_ms: { ...hops, ...ctdHops },
      },
    });
  } finally {
    dockerEvents.stop();
    ctdEvents?.stop();
    for (const id of docker(['ps', '-aq', '--filter', `label=${tag}`]).split('\n').filter(Boolean)) docker(['rm', '-f', id]);
    leaveSwarm?.();
    if (server) await server.stop();
    removeNodeContainers(node);
    if (ctd.socket) removeContainerdNamespace(ctd.socket, ctdNs);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
