#!/usr/bin/env node
// Benchmark (not a test): HTTP requests/s to a pod through its service VIP vs directly to the pod's
// IP, same run, same load tool (autocannon), from this host. Needs a Docker engine, nft and the test
// image. The VIP is programmed by the nftables CPI driver in a table of its own, removed at the end.
// The lb API is https (the default); the load to the pod and the VIP stays plain HTTP.
// IPVS (the other CPI) is not measured here: it needs its own kernel (User-Mode Linux in the tests).
// Usage: node test/bench/vip.js [seconds] | --quick (2 s each)
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { quick, report, sleep } = require('./lib');
const { removeNodeContainers, startServer } = require('./server');

const SECONDS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? (quick ? 2 : 10));
const TABLE = `lbbench${process.pid}`;
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
    const toPod = `straight to the pod ${pod.status.network.pod_ip}:8080`;
    report({
      title: `requests/s over ${SECONDS} s each, 16 connections, autocannon from the host: through the service VIP ${vip}:80 (nftables CPI) vs straight to the pod`,
      rows: [
        { figure: 'through the VIP (nftables)', value: viaVip.requests.average, unit: 'req/s', peer: toPod, peerValue: direct.requests.average, target: '≥ 0.95×' },
        { figure: 'through the VIP (nftables): p99', value: viaVip.latency.p99, unit: 'ms', peer: toPod, peerValue: direct.latency.p99 },
        { figure: 'through the VIP (nftables): errors + non-2xx', value: viaVip.errors + viaVip.non2xx, unit: '' },
        { figure: 'straight to the pod: errors + non-2xx', value: direct.errors + direct.non2xx, unit: '' },
      ],
      extra: { seconds: SECONDS, cpi: 'nftables', ipvs: 'not measured (needs User-Mode Linux)', direct_rps: direct.requests.average, vip_rps: viaVip.requests.average, ratio: viaVip.requests.average / direct.requests.average },
    });
    console.log('IPVS: not measured by this benchmark (the IPVS CPI needs its own kernel: User-Mode Linux in the tests).');
  } finally {
    if (server) await server.stop();
    removeNodeContainers(node);
    try { execFileSync('nft', ['delete', 'table', 'ip', TABLE], { stdio: 'ignore' }); } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
