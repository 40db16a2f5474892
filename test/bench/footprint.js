#!/usr/bin/env node
// Benchmark (not a test): resident memory of an idle `lb server`, then with 1,000 pods' state
// (a 1,000-replica service whose selector matches no node: pods are stored and scheduled, no
// container runs). Target: idle ≤ 100 MB. The server is started the way users start it, through lb.js's
// shebang (and its V8 flags). Usage: node test/bench/footprint.js
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { LbClient } = require('@lastbackend/sdk');

const LB = join(resolve(__dirname, '..', '..'), 'core', 'bin', 'lb.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); }); });
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-mem-'));
  const port = await freePort();
  const token = 'bench-token-0123456789abcdef';
  const node = `bench-mem-${process.pid}`;
  const cfg = join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify({ drivers: { cri: { package: '@lastbackend/driver-docker' }, cii: { package: '@lastbackend/driver-docker' } }, discovery: { enabled: false } }));
  const server = spawn(LB, ['server', '--config', cfg, '--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--token', token, '--name', node, '--log-level', 'warn'], { stdio: 'inherit' });
  const client = new LbClient({ server: `http://127.0.0.1:${port}`, token });
  try {
    for (let i = 0; i < 150; i++) { try { if ((await client.node(node)).status.state === 'ready') break; } catch {} await sleep(100); }
    await sleep(5000);
    const idle = rssMb(server.pid);
    await client.createService('default', { kind: 'Service', meta: { name: 'many' }, spec: { replicas: 1000, selector: { node: 'nowhere' }, template: { containers: [{ name: 'c', image: { name: 'lb-test/busybox:latest' } }] } } });
    for (let i = 0; i < 300; i++) { if ((await client.pods('default', 'many')).length >= 1000) break; await sleep(200); }
    await sleep(5000);
    const loaded = rssMb(server.pid);
    console.log(`\nlb server resident memory (VmRSS)`);
    console.log(`idle:                     ${idle.toFixed(1)} MB (target ≤ 100 MB)`);
    console.log(`with 1,000 pods' state:   ${loaded.toFixed(1)} MB`);
    console.log(JSON.stringify({ idle_mb: idle, pods_1000_mb: loaded }));
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
