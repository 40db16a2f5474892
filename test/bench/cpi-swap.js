#!/usr/bin/env node
// Benchmark (not a test): a CPI hot swap with N services (default 1,000) under a request loop. An `lb
// server` whose CRI is the in-memory example driver wrapped so its containers report the address of one
// real server (memory-ip-driver.js; the fast static C backend in a container the benchmark runs), so N
// single-pod services give N VIPs with endpoints without N processes. The CPI is nftables in table A;
// while a bounded loop of HTTP requests (a fresh connection each, so every one goes through NAT anew) runs
// against some of the VIPs, the CPI is swapped through the API to nftables in table B, then back to A,
// and so on. Printed: each swap's duration (the API call, which returns once the new driver serves
// and the old table is emptied) and the requests that failed during the swaps. Tables removed at the end.
// Usage: node test/bench/cpi-swap.js [services] | --quick (100 services, 2 swaps)
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { get } = require('node:http');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { IMAGE, PORT, buildBackendImage } = require('./backend');
const { median, now, quick, report, sleep } = require('./lib');
const { installMemoryIpDriver } = require('./memory-ip-driver');
const { removeNodeContainers, runLb, startServer } = require('./server');

const N = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? (quick ? 100 : 1000));
const SWAPS = quick ? 2 : 6;
const WORKERS = 8; // requests in flight at once
const MAX_REQUESTS = 500_000; // the loop's bound, whatever happens
const TARGETS = 20; // VIPs the loop spreads over
const NFT = '@lastbackend/driver-nftables';
const TABLES = [`lbswapa${process.pid}`, `lbswapb${process.pid}`];

/** One GET on a fresh connection; resolves with the status code, rejects with why it failed. */
const request = (ip) =>
  new Promise((ok, fail) => {
    const req = get({ host: ip, port: 80, path: '/', agent: false, timeout: 3000 }, (res) => res.resume().on('end', () => ok(res.statusCode ?? 0)));
    req.on('timeout', () => req.destroy(new Error('timed out'))).on('error', fail);
  });

/** The DNAT rules (one per VIP with endpoints) in nft table T, 0 when it does not exist. */
function rules(table) {
  try {
    return (execFileSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' }).match(/dnat ip to/g) ?? []).length;
  } catch {
    return 0;
  }
}

async function main() {
  if (!Number.isInteger(N) || N < 1 || N > 5000) throw new Error('services: 1..5000');
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-cpiswap-'));
  const node = `bench-swap-${process.pid}`;
  let server;
  const cleanup = async () => {
    if (server) await server.stop();
    removeNodeContainers(node); // the backend container carries the node's label
    for (const t of TABLES) {
      try {
        execFileSync('nft', ['delete', 'table', 'ip', t], { stdio: 'ignore' });
      } catch {
        // not created, or already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    buildBackendImage();
    const backend = execFileSync('docker', ['run', '-d', '--label', `io.lastbackend.node=${node}`, IMAGE], { encoding: 'utf8' }).trim();
    const ip = execFileSync('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', backend], { encoding: 'utf8' }).trim();
    process.stderr.write(`backend ${IMAGE} at ${ip}:${PORT}; packing examples/driver-memory and installing it into <data dir>/drivers…\n`);
    const drivers = { ...installMemoryIpDriver(dir, ip), cpi: { package: NFT, config: { table: TABLES[0] } } };
    const cfg = join(dir, 'config.json');
    writeFileSync(cfg, JSON.stringify({ drivers, discovery: { enabled: false }, node: { max_pods: N + 10 }, network: { service_cidr: '10.232.0.0/16' } }));
    server = await startServer({ dir, name: node, args: ['--config', cfg] });
    const { client } = server;
    await client.createNamespace({ kind: 'Namespace', meta: { name: 'bench' } });
    const file = join(dir, 'services.yaml');
    const docs = [];
    for (let i = 0; i < N; i++)
      docs.push(JSON.stringify({ kind: 'Service', meta: { name: `s${String(i).padStart(4, '0')}` }, spec: { replicas: 1, network: { ports: [`80:${PORT}/tcp`] }, template: { containers: [{ name: 'c', image: { name: IMAGE } }] } } }));
    writeFileSync(file, docs.join('\n---\n'));
    await runLb(server, ['apply', '-f', file, '-n', 'bench', '--detach']);
    // Every service's VIP programmed with its endpoint in table A.
    const t0 = now();
    while (rules(TABLES[0]) < N) {
      if (now() - t0 > 600_000) throw new Error(`only ${rules(TABLES[0])}/${N} VIPs programmed after 10 minutes`);
      await sleep(1000);
    }
    const vips = (await client.services('bench')).map((s) => s.status.network.ip).filter(Boolean).slice(0, TARGETS);
    for (const v of vips) if ((await request(v)) !== 200) throw new Error(`VIP ${v} does not answer 200`);

    // The loop: WORKERS at a time, round-robin over the VIPs, until told to stop (or MAX_REQUESTS).
    const failures = [];
    const origin = now(); // failures and swaps are timed from here
    let sent = 0;
    let stop = false;
    const worker = async () => {
      while (!stop && sent < MAX_REQUESTS) {
        const v = vips[sent++ % vips.length];
        await request(v).then(
          (code) => void (code !== 200 && failures.push(`${Math.round(now() - origin)} ms ${v}: HTTP ${code}`)),
          (e) => void failures.push(`${Math.round(now() - origin)} ms ${v}: ${e.message}`),
        );
      }
    };
    const loop = Promise.all(Array.from({ length: WORKERS }, worker));
    await sleep(1000);
    const swaps = [];
    const windows = [];
    const sentBefore = sent;
    const loopStart = now();
    for (let i = 0; i < SWAPS; i++) {
      const to = TABLES[(i + 1) % 2];
      const s0 = now();
      await client.swapDriver('cpi', NFT, { table: to });
      swaps.push(now() - s0);
      windows.push(`${Math.round(s0 - origin)}–${Math.round(now() - origin)} ms`);
      const [inNew, inOld] = [rules(to), rules(TABLES[i % 2])];
      if (inNew !== N || inOld !== 0) throw new Error(`after swap ${i + 1}: ${inNew} rules in the new table ${to} (want ${N}), ${inOld} in the old one (want 0)`);
      await sleep(1000); // requests on the new driver before the next swap
    }
    const during = sent - sentBefore;
    const loopSeconds = (now() - loopStart) / 1000;
    stop = true;
    await loop;
    console.error(`swaps at ${windows.join(', ')}`);
    if (failures.length) console.error(`failed requests (first 10, last 10): ${[...failures.slice(0, 10), '…', ...failures.slice(-10)].join('; ')}`);
    report({
      title: `CPI hot swap, nftables table A ⇄ table B through the API, ${N} services with endpoints (memory runtime, every endpoint the fast C backend), ${SWAPS} swaps under a loop of ${WORKERS} concurrent HTTP requests (a fresh connection each) over ${vips.length} VIPs`,
      rows: [
        { figure: `swap with ${N.toLocaleString('en-US')} services, median`, value: median(swaps), unit: 'ms', target: '≤ 2,000 ms' },
        { figure: `swap with ${N.toLocaleString('en-US')} services, slowest`, value: Math.max(...swaps), unit: 'ms', target: '≤ 2,000 ms' },
        { figure: 'requests during the swaps', value: during, unit: '' },
        { figure: 'requests/s during the swaps', value: during / loopSeconds, unit: 'req/s' },
        { figure: 'failed requests', value: failures.length, unit: '', target: '0' },
      ],
      extra: { services: N, swaps_ms: swaps, swap_windows: windows, requests: sent, failed: failures.length, failures: failures.slice(0, 10) },
    });
  } finally {
    await cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
