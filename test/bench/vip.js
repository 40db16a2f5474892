#!/usr/bin/env node
// Benchmark (not a test): HTTP requests/s to a pod through its service VIP vs directly to the pod's
// IP, same run, same load tool (autocannon, in this process; the server and the pod are processes of
// their own), from this host, in alternating rounds. The pod runs the fast static backend (backend.js:
// C, epoll, built with gcc -static into a FROM scratch image), so the backend is not what is measured.
// Needs a Docker engine, nft and gcc. The VIP is programmed by the nftables CPI driver in a table of its
// own, removed at the end. The lb API is https (the default); the load to the pod and the VIP is HTTP.
// IPVS (the other CPI) is not measured here: it needs its own kernel (User-Mode Linux in the tests).
// Usage: node test/bench/vip.js [seconds per round, default 2] | --quick (1 round of 2 s each; 12 rounds otherwise)
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { PORT, backendContainer, buildBackendImage } = require('./backend');
const { alternate, pairedRatio } = require('./http-load');
const { quick, report, sleep } = require('./lib');
const { removeNodeContainers, startServer } = require('./server');

const SECONDS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 2);
// Many short rounds: the machine's load from other work changes by the second, and touches both alike.
const ROUNDS = quick ? 1 : 12;
const CONNECTIONS = 16;
const TABLE = `lbbench${process.pid}`;

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
    buildBackendImage();
    server = await startServer({ dir, name: node, args: ['--config', cfg] });
    const { client } = server;
    await client.createService('default', { kind: 'Service', meta: { name: 'bench-web' }, spec: { replicas: 1, network: { ports: [`80:${PORT}/tcp`] }, template: { containers: [backendContainer()] } } });
    let pod;
    for (let i = 0; i < 300; i++) { const [p] = await client.pods('default', 'bench-web'); if (p && p.status.state === 'ready') { pod = p; break; } await sleep(100); }
    if (!pod) throw new Error('pod did not become ready');
    const vip = (await client.service('default', 'bench-web')).status.network.ip;
    for (let i = 0; i < 100; i++) { const e = await client.endpoints('default'); if (e[0] && e[0].spec.upstreams.length) break; await sleep(100); }
    await sleep(500);
    const toPod = `straight to the pod ${pod.status.network.pod_ip}:${PORT}`;
    const r = await alternate({ direct: { url: `http://${pod.status.network.pod_ip}:${PORT}/` }, vip: { url: `http://${vip}:80/` } }, { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS });
    const ratio = pairedRatio(r.vip.rounds, r.direct.rounds);
    report({
      title: `requests/s, median of ${ROUNDS} alternating round(s) of ${SECONDS} s, ${CONNECTIONS} connections, autocannon from the host: through the service VIP ${vip}:80 (nftables CPI) vs straight to the pod (fast-httpd, C); ratio: the median of each round pair's own ratio`,
      rows: [
        { figure: 'through the VIP (nftables)', value: r.vip.rps, unit: 'req/s', peer: toPod, peerValue: r.direct.rps, ratio, target: '≥ 0.95×' },
        { figure: 'through the VIP (nftables): p50', value: r.vip.p50, unit: 'ms', peer: toPod, peerValue: r.direct.p50 },
        { figure: 'through the VIP (nftables): p99', value: r.vip.p99, unit: 'ms', peer: toPod, peerValue: r.direct.p99 },
        { figure: 'straight to the pod (the backend alone)', value: r.direct.rps, unit: 'req/s', target: '≥ 10,000 req/s' },
        { figure: 'through the VIP (nftables): errors + non-2xx', value: r.vip.bad, unit: '' },
        { figure: 'straight to the pod: errors + non-2xx', value: r.direct.bad, unit: '' },
      ],
      extra: { seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, cpi: 'nftables', ipvs: 'not measured (needs User-Mode Linux)', direct_rps: r.direct.rps, vip_rps: r.vip.rps, direct_rounds: r.direct.rounds, vip_rounds: r.vip.rounds, ratio, ratio_of_medians: r.vip.rps / r.direct.rps },
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
