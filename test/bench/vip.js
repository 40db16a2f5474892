#!/usr/bin/env node
// Benchmark (not a test): HTTP requests/s to a pod through its service VIP vs directly to the pod's
// IP, same run, same load tool (autocannon), from this host. Needs a Docker engine, nft and the test
// image. The VIP is programmed by the nftables CPI driver in a table of its own, removed at the end.
// The lb API is https (the default); the load to the pod and the VIP stays plain HTTP.
// Usage: node test/bench/vip.js [seconds]
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { removeNodeContainers, startServer } = require('./server');

const SECONDS = Number(process.argv[2] ?? 10);
const TABLE = `lbbench${process.pid}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = (url) => new Promise((res, rej) => autocannon({ url, connections: 16, duration: SECONDS }, (e, r) => (e ? rej(e) : res(r))));

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-vip-'));
  const node = `bench-vip-${process.pid}`;
  const cfg = join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify({
    drivers: { cri: { package: '@lastbackend/driver-docker' }, cii: { package: '@lastbackend/driver-docker' }, cpi: { package: '@lastbackend/driver-nftables', config: { table: TABLE } } },
    discovery: { enabled: false },
    network: { service_cidr: '10.231.0.0/16' },
  }));
  let server;
  try {
    server = await startServer({ dir, name: node, args: ['--config', cfg] });
    const { client } = server;
    await client.createService('default', { kind: 'Service', meta: { name: 'bench-web' }, spec: { replicas: 1, network: { ports: ['80:8080/tcp'] }, template: { containers: [{ name: 'web', image: { name: 'lb-test/busybox:latest' }, command: ['httpd', '-f', '-p', '8080', '-h', '/www'] }] } } });
    let pod;
    for (let i = 0; i < 300; i++) { const [p] = await client.pods('default', 'bench-web'); if (p && p.status.state === 'ready') { pod = p; break; } await sleep(100); }
    if (!pod) throw new Error('pod did not become ready');
    const vip = (await client.service('default', 'bench-web')).status.network.ip;
    for (let i = 0; i < 100; i++) { const e = await client.endpoints('default'); if (e[0] && e[0].spec.upstreams.length) break; await sleep(100); }
    await sleep(500);
    const direct = await load(`http://${pod.status.network.pod_ip}:8080/`);
    const viaVip = await load(`http://${vip}:80/`);
    const row = (w, r) => `${w.padEnd(22)} ${r.requests.average.toFixed(0).padStart(8)} ${r.latency.p99.toFixed(1).padStart(9)} ${String(r.errors + r.non2xx).padStart(7)}`;
    console.log(`\nrequests/s over ${SECONDS}s each, 16 connections, autocannon from the host`);
    console.log('path                    req/s avg  p99 ms   errors');
    console.log(row(`pod ${pod.status.network.pod_ip}:8080`, direct));
    console.log(row(`VIP ${vip}:80`, viaVip));
    const ratio = viaVip.requests.average / direct.requests.average;
    console.log(`ratio VIP / direct: ${ratio.toFixed(2)}`);
    console.log(JSON.stringify({ seconds: SECONDS, direct_rps: direct.requests.average, vip_rps: viaVip.requests.average, ratio }));
  } finally {
    if (server) await server.stop();
    removeNodeContainers(node);
    try { execFileSync('nft', ['delete', 'table', 'ip', TABLE], { stdio: 'ignore' }); } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
