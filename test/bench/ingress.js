#!/usr/bin/env node
// Benchmark (not a test): HTTP requests/s through the platform's ingress (haproxy) vs directly to the
// pod, same run, same load tool (autocannon, in this process; haproxy, the server and the pod are processes
// of their own), in alternating rounds. The pod runs the fast static backend (backend.js: C, epoll, built
// with gcc -static into a FROM scratch image), so the backend is not what is measured. Each round also
// counts the CPU each process used per request (haproxy, the backend's container, autocannon): on a
// machine whose cores all serve the benchmark, that is what bounds the ratio. Needs Docker, haproxy and
// gcc. The lb API is https (the default); the load to the pod and through the ingress is HTTP.
// Usage: node test/bench/ingress.js [seconds per round, default 2] | --quick (1 round of 2 s each; 12 rounds otherwise)
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { PORT, backendContainer, buildBackendImage } = require('./backend');
const { alternate, pairedRatio } = require('./http-load');
const { quick, report, sleep } = require('./lib');
const { freePort, removeNodeContainers, startServer } = require('./server');

const SECONDS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 2);
// Many short rounds: the machine's load from other work changes by the second, and touches both alike.
const ROUNDS = quick ? 1 : 12;
const CONNECTIONS = 16;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-ingress-'));
  const http = await freePort();
  const node = `bench-ing-${process.pid}`;
  const cfg = join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify({
    drivers: { cri: { package: '@lastbackend/driver-docker' }, cii: { package: '@lastbackend/driver-docker' } },
    discovery: { enabled: false },
    ingress: { enabled: true, http: `127.0.0.1:${http}`, domain: 'bench.test' },
  }));
  let server;
  try {
    buildBackendImage();
    server = await startServer({ dir, name: node, args: ['--config', cfg] });
    const { client } = server;
    await client.createService('default', { kind: 'Service', meta: { name: 'web' }, spec: { replicas: 1, network: { ports: [`80:${PORT}/tcp`] }, template: { containers: [backendContainer()] } } });
    await client.create('route', 'default', { kind: 'Route', meta: { name: 'web' }, spec: { domain: 'web.bench.test', rules: [{ path: '/', service: 'web', port: 80 }] } });
    let pod;
    for (let i = 0; i < 300; i++) { const [p] = await client.pods('default', 'web'); if (p && p.status.state === 'ready') { pod = p; break; } await sleep(100); }
    if (!pod) throw new Error('pod did not become ready');
    for (let i = 0; i < 100; i++) { if ((await client.get('route', 'default', 'web')).status.state === 'ready') break; await sleep(100); }
    await sleep(1000);
    const toPod = `straight to the pod ${pod.status.network.pod_ip}:${PORT}`;
    // Where each request's CPU goes (the cores being the limit): haproxy (master and worker, found by the
    // server's data dir on their command line), the backend's container, and autocannon in this process.
    const lines = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' }).split('\n').filter(Boolean);
    const [container, ...more] = lines('docker', ['ps', '-q', '--filter', `label=io.lastbackend.node=${node}`]);
    if (!container || more.length) throw new Error(`expected the pod's one container on node ${node}, found ${1 + more.length}`);
    // Every process of the container (its first may be an init that runs the server as its child).
    const backendPids = lines('docker', ['top', container, '-o', 'pid']).slice(1).map(Number);
    const processes = { haproxy: () => lines('pgrep', ['-f', `haproxy .*${dir}`]).map(Number), backend: () => backendPids, 'load generator': () => [process.pid] };
    const r = await alternate(
      { direct: { url: `http://${pod.status.network.pod_ip}:${PORT}/` }, ingress: { url: `http://127.0.0.1:${http}/`, headers: { host: 'web.bench.test' } } },
      { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, processes },
    );
    // On a machine whose cores are the limit, requests/s through the ingress can be at most about the
    // direct path's CPU per request over its own: the first row says what the ratio above can reach here.
    const ratio = pairedRatio(r.ingress.rounds, r.direct.rounds);
    const total = (cpu) => Object.values(cpu).reduce((a, b) => a + b, 0);
    const cpuRows = [
      { figure: 'CPU per request, haproxy + backend + load generator (lower is better)', value: total(r.ingress.cpu), unit: 'µs', peer: toPod, peerValue: total(r.direct.cpu) },
      { figure: 'CPU per request through the ingress: haproxy', value: r.ingress.cpu.haproxy, unit: 'µs' },
      ...['backend', 'load generator'].map((g) => ({ figure: `CPU per request: ${g}`, value: r.ingress.cpu[g], unit: 'µs', peer: toPod, peerValue: r.direct.cpu[g] })),
    ];
    report({
      title: `requests/s, median of ${ROUNDS} alternating round(s) of ${SECONDS} s, ${CONNECTIONS} connections, autocannon on this host: through the ingress (haproxy, 127.0.0.1:${http}) vs straight to the pod (fast-httpd, C); ratio: the median of each round pair's own ratio`,
      rows: [
        { figure: 'through the ingress', value: r.ingress.rps, unit: 'req/s', peer: toPod, peerValue: r.direct.rps, ratio, target: '≥ 0.9×' },
        { figure: 'through the ingress: p50', value: r.ingress.p50, unit: 'ms', peer: toPod, peerValue: r.direct.p50 },
        { figure: 'through the ingress: p99', value: r.ingress.p99, unit: 'ms', peer: toPod, peerValue: r.direct.p99 },
        { figure: 'straight to the pod (the backend alone)', value: r.direct.rps, unit: 'req/s', target: '≥ 10,000 req/s' },
        { figure: 'through the ingress: errors + non-2xx', value: r.ingress.bad, unit: '' },
        { figure: 'straight to the pod: errors + non-2xx', value: r.direct.bad, unit: '' },
        ...cpuRows,
      ],
      extra: { seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, direct_rps: r.direct.rps, ingress_rps: r.ingress.rps, direct_rounds: r.direct.rounds, ingress_rounds: r.ingress.rounds, ratio, ratio_of_medians: r.ingress.rps / r.direct.rps, cpu_us_per_request: { direct: r.direct.cpu, ingress: r.ingress.cpu } },
    });
  } finally {
    if (server) await server.stop();
    removeNodeContainers(node);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
