#!/usr/bin/env node
// Benchmark (not a test): API throughput on loopback with autocannon, a bounded run each (default 10 s):
//   GET one service, GET the pods of a 10-replica service, and POST configs (each create is committed to the
//   store in a batch synced to disk before the 2xx). Prints requests/s, latency p50/p99, errors and non-2xx.
// GETs must have no errors or non-2xx. The creates must really be stored: the count is checked through the
// API afterwards, and again after the server is killed with SIGKILL and started on the same data dir.
// A control-plane-only server (--no-agent): no containers, nothing to clean up but the process and its dir.
// Over https, as the server runs by default: autocannon gets the cluster CA, and every response must have
// come over a connection whose certificate verified against it (autocannon itself never refuses one).
// The peer of each GET, measured in the same run: a bare node:https server (bare-https.js) answering the same
// bytes over the same TLS, in a process of its own.
// Then the creates once more, acknowledged one by one (CONNECTIONS callers, each POSTing the next name as soon as
// the previous one answered), and the server killed with SIGKILL in the middle of it: after a restart on the same
// data dir every create that was answered 2xx must be there (a 2xx means on disk).
// Usage: node test/bench/api.js [seconds] [connections] | --quick (2 s each)
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { Agent, get, request } = require('node:https');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { quick, report, sleep } = require('./lib');
const { startBareHttps } = require('./bare-https');
const { startServer } = require('./server');

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const SECONDS = Number(args[0] ?? (quick ? 2 : 10));
const CONNECTIONS = Number(args[1] ?? 10);

/** What `lb server` answers to GET PATH: its bytes and content type (for the bare peer to answer the same). */
function fetchAnswer(server, path) {
  return new Promise((res, rej) => {
    get(`${server.url}${path}`, { ca: server.ca, headers: { authorization: `Bearer ${server.token}` } }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => (r.statusCode === 200 ? res({ type: r.headers['content-type'] ?? 'application/json', body: Buffer.concat(chunks) }) : rej(new Error(`GET ${path}: ${r.statusCode}`))));
      r.on('error', rej);
    }).on('error', rej);
  });
}

/** POSTs configs k0, k1, … from `connections` callers until stopped; resolves with the names answered 2xx. */
function ackedCreates(server, connections) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections, ca: server.ca });
  const acked = [];
  let n = 0;
  let stopped = false;
  const post = (name) =>
    new Promise((res) => {
      const body = JSON.stringify({ kind: 'Config', meta: { name }, spec: { data: { k: 'v' } } });
      const req = request(`${server.url}/namespace/bench/config`, { method: 'POST', agent, headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (r) => {
        r.resume();
        r.on('end', () => res(r.statusCode >= 200 && r.statusCode < 300));
        r.on('error', () => res(false));
      });
      req.on('error', () => res(false)); // the server was killed: not acknowledged
      req.end(body);
    });
  const callers = Array.from({ length: connections }, async () => {
    while (!stopped) {
      const name = `k${n++}`;
      if (await post(name)) acked.push(name);
      else if (stopped) break;
    }
  });
  return { sent: () => n, acked, stop: async () => ((stopped = true), await Promise.all(callers), agent.destroy(), acked) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-api-'));
  let server, bare;
  // A restart on the same data dir gets a new port (and client); the CA stays the cluster's.
  const start = async () => (server = await startServer({ dir, name: `bench-api-${process.pid}`, args: ['--no-agent'] }));
  const stop = async (signal) => server && server.stop(signal);
  process.once('SIGINT', () => void stop('SIGKILL').finally(() => (rmSync(dir, { recursive: true, force: true }), process.exit(130))));
  try {
    await start();
    const { client, token, url, ca } = server;
    await client.createNamespace({ kind: 'Namespace', meta: { name: 'bench' } });
    await client.createService('bench', { kind: 'Service', meta: { name: 'web' }, spec: { replicas: 10, template: { containers: [{ name: 'c', image: { name: 'lb-test/busybox:latest' } }] } } });
    for (let i = 0; i < 100 && (await client.pods('bench', 'web')).length < 10; i++) await sleep(100);

    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // autocannon connects with rejectUnauthorized: false whatever tlsOptions say, but still verifies against
    // the CA given: a response over a connection that did not verify makes the run invalid.
    const unverified = new Map();
    const bench = async (title, requests, to = { url, ca }) => {
      const run = autocannon({ url: to.url, title, connections: CONNECTIONS, duration: SECONDS, headers, requests, tlsOptions: { ca: to.ca } });
      run.on('response', (c) => { if (!c.conn.authorized) unverified.set(title, c.conn.authorizationError); });
      return run;
    };
    const paths = ['/namespace/bench/service/web', '/namespace/bench/service/web/pod'];
    const answers = {};
    for (const path of paths) answers[path] = await fetchAnswer(server, path);
    if (JSON.parse(answers[paths[1]].body.toString('utf8')).length !== 10) throw new Error(`GET ${paths[1]}: not 10 pods`);
    bare = await startBareHttps(answers);
    let n = 0;
    const results = [
      await bench('GET /namespace/bench/service/web', [{ method: 'GET', path: paths[0] }]),
      await bench('GET /namespace/bench/service/web/pod (10 pods)', [{ method: 'GET', path: paths[1] }]),
      await bench('POST /namespace/bench/config (durable create)', [
        { method: 'POST', path: '/namespace/bench/config', setupRequest: (req) => ({ ...req, body: JSON.stringify({ kind: 'Config', meta: { name: `c${++n}` }, spec: { data: { k: 'v' } } }) }) },
      ]),
    ];
    // The peers: the same requests, the same bytes back, from a bare node:https server.
    const peers = [
      await bench('bare node:https: GET /namespace/bench/service/web', [{ method: 'GET', path: paths[0] }], bare),
      await bench('bare node:https: GET /namespace/bench/service/web/pod (10 pods)', [{ method: 'GET', path: paths[1] }], bare),
    ];
    bare.stop();
    if (unverified.size) throw new Error(`benchmark invalid: the server's certificate did not verify against the cluster CA: ${[...unverified].map(([t, e]) => `${t}: ${e}`).join('; ')}`);
    const created = results[2]['2xx'];
    // Creates still in flight when the run's time was up finish on their own: count once the number holds.
    let stored = -1;
    for (let prev = -2; stored !== prev; await sleep(500)) [prev, stored] = [stored, (await client.list('config', 'bench')).length];
    await stop('SIGKILL'); // no chance to flush anything: what survives was on disk before its 2xx
    await start();
    const afterKill = (await server.client.list('config', 'bench')).length;

    // SIGKILL in the middle of acknowledged creates: each name answered 2xx must be there after the restart.
    const load = ackedCreates(server, CONNECTIONS);
    await sleep(quick ? 1000 : 3000);
    const ackedAtKill = load.acked.length;
    await stop('SIGKILL');
    const acked = await load.stop();
    await start();
    const survived = new Set((await server.client.list('config', 'bench')).map((c) => c.meta.name));
    const lost = acked.filter((name) => !survived.has(name));

    // Requests still in flight when a run's time is up are served but not counted by autocannon: stored may
    // exceed the 2xx count by at most those, and never the number of creates sent.
    const labels = ['GET one service', "GET a service's 10 pods", 'POST a config (durable create)'];
    const targets = ['≥ 0.5×', '≥ 0.5×', '≥ 3,000/s'];
    const peerName = 'bare node:https, same bytes';
    const peerOf = (i, value) => (peers[i] ? { peer: peerName, peerValue: value(peers[i]) } : {});
    report({
      title: `lb API on loopback over https, ${CONNECTIONS} connections, ${SECONDS} s each (autocannon)`,
      rows: [
        ...results.flatMap((r, i) => [
          { figure: labels[i], value: r.requests.average, unit: 'req/s', ...peerOf(i, (q) => q.requests.average), target: targets[i] },
          { figure: `${labels[i]}: p50`, value: r.latency.p50, unit: 'ms', ...peerOf(i, (q) => q.latency.p50) },
          { figure: `${labels[i]}: p99`, value: r.latency.p99, unit: 'ms', ...peerOf(i, (q) => q.latency.p99) },
          { figure: `${labels[i]}: errors + non-2xx`, value: r.errors + r.timeouts + r.non2xx, unit: '', target: i < 2 ? '0' : undefined },
        ]),
        { figure: 'creates sent', value: n, unit: '' },
        { figure: 'creates answered 2xx in time', value: created, unit: '' },
        { figure: 'configs stored', value: stored, unit: '', target: '≥ answered 2xx, ≤ sent' },
        { figure: 'configs after SIGKILL + restart', value: afterKill, unit: '', target: '= stored' },
        { figure: 'creates acknowledged before SIGKILL mid-run', value: acked.length, unit: '' },
        { figure: 'acknowledged creates lost after SIGKILL mid-run', value: lost.length, unit: '', target: '0' },
      ],
      extra: { connections: CONNECTIONS, seconds: SECONDS, results: [...results, ...peers].map((r) => ({ title: r.title, rps: r.requests.average, p50_ms: r.latency.p50, p99_ms: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, total: r.requests.total })), creates_sent: n, creates_2xx: created, creates_stored: stored, creates_after_kill: afterKill, midrun_sent: load.sent(), midrun_acked: acked.length, midrun_acked_at_kill: ackedAtKill, midrun_lost: lost.length },
    });
    const bad = [];
    for (const r of [...results.slice(0, 2), ...peers]) if (r.errors || r.timeouts || r.non2xx) bad.push(`${r.title}: ${r.errors + r.timeouts} errors, ${r.non2xx} non-2xx`);
    if (stored < created || stored > n || afterKill !== stored) bad.push(`${n} creates sent, ${created} answered 2xx, but ${stored} were listed and ${afterKill} survived SIGKILL`);
    if (!acked.length) bad.push('no create was acknowledged before the SIGKILL mid-run');
    if (lost.length) bad.push(`${lost.length} of ${acked.length} acknowledged creates lost after SIGKILL mid-run (${lost.slice(0, 5).join(', ')}…)`);
    if (bad.length) throw new Error(`benchmark invalid: ${bad.join('; ')}`);
  } finally {
    bare?.stop();
    await stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
