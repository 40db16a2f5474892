#!/usr/bin/env node
// Benchmark (not a test): HTTP requests/s through the platform's ingress (haproxy) vs directly to the
// pod, same run, same load tool (autocannon), on loopback. Needs Docker, haproxy and the test image.
// The lb API is https (the default); the load to the pod and through the ingress stays plain HTTP.
// Usage: node test/bench/ingress.js [seconds] | --quick (2 s each)
'use strict';
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { quick, report, sleep } = require('./lib');
const { freePort, removeNodeContainers, startServer } = require('./server');

const SECONDS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? (quick ? 2 : 10));
const load = (url, headers) => new Promise((res, rej) => autocannon({ url, headers, connections: 16, duration: SECONDS }, (e, r) => (e ? rej(e) : res(r))));

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
    server = await startServer({ dir, name: node, args: ['--config', cfg] });
    const { client } = server;
    await client.createService('default', { kind: 'Service', meta: { name: 'web' }, spec: { replicas: 1, network: { ports: ['80:8080/tcp'] }, template: { containers: [{ name: 'web', image: { name: 'lb-test/busybox:latest' }, command: ['httpd', '-f', '-p', '8080', '-h', '/www'] }] } } });
    await client.create('route', 'default', { kind: 'Route', meta: { name: 'web' }, spec: { domain: 'web.bench.test', rules: [{ path: '/', service: 'web', port: 80 }] } });
    let pod;
    for (let i = 0; i < 300; i++) { const [p] = await client.pods('default', 'web'); if (p && p.status.state === 'ready') { pod = p; break; } await sleep(100); }
    if (!pod) throw new Error('pod did not become ready');
    for (let i = 0; i < 100; i++) { if ((await client.get('route', 'default', 'web')).status.state === 'ready') break; await sleep(100); }
    await sleep(1000);
    const direct = await load(`http://${pod.status.network.pod_ip}:8080/`);
    const ingress = await load(`http://127.0.0.1:${http}/`, { host: 'web.bench.test' });
    const toPod = `straight to the pod ${pod.status.network.pod_ip}:8080`;
    report({
      title: `requests/s over ${SECONDS} s each, 16 connections, autocannon on this host: through the ingress (127.0.0.1:${http}) vs straight to the pod`,
      rows: [
        { figure: 'through the ingress', value: ingress.requests.average, unit: 'req/s', peer: toPod, peerValue: direct.requests.average, target: '≥ 0.9×' },
        { figure: 'through the ingress: p99', value: ingress.latency.p99, unit: 'ms', peer: toPod, peerValue: direct.latency.p99 },
        { figure: 'through the ingress: errors + non-2xx', value: ingress.errors + ingress.non2xx, unit: '' },
        { figure: 'straight to the pod: errors + non-2xx', value: direct.errors + direct.non2xx, unit: '' },
      ],
      extra: { seconds: SECONDS, direct_rps: direct.requests.average, ingress_rps: ingress.requests.average, ratio: ingress.requests.average / direct.requests.average },
    });
  } finally {
    if (server) await server.stop();
    removeNodeContainers(node);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
