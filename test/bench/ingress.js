#!/usr/bin/env node
// Benchmark (not a test): HTTP requests/s through the platform's ingress (haproxy) vs directly to the
// pod, same run, same load tool (autocannon), on loopback. Needs Docker, haproxy and the test image.
// The lb API is https (the default); the load to the pod and through the ingress stays plain HTTP.
// Usage: node test/bench/ingress.js [seconds]
'use strict';
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { removeNodeContainers, startServer } = require('./server');

const SECONDS = Number(process.argv[2] ?? 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); }); });
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
    const row = (w, r) => `${w.padEnd(26)} ${r.requests.average.toFixed(0).padStart(8)} ${r.latency.p99.toFixed(1).padStart(9)} ${String(r.errors + r.non2xx).padStart(7)}`;
    console.log(`\nrequests/s over ${SECONDS}s each, 16 connections, autocannon on this host`);
    console.log('path                        req/s avg  p99 ms   errors');
    console.log(row(`pod ${pod.status.network.pod_ip}:8080`, direct));
    console.log(row(`ingress 127.0.0.1:${http}`, ingress));
    const ratio = ingress.requests.average / direct.requests.average;
    console.log(`ratio ingress / direct: ${ratio.toFixed(2)}`);
    console.log(JSON.stringify({ seconds: SECONDS, direct_rps: direct.requests.average, ingress_rps: ingress.requests.average, ratio }));
  } finally {
    if (server) await server.stop();
    removeNodeContainers(node);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
