#!/usr/bin/env node
// Requests/s through the haproxy ingress vs straight to the backend (a benchmark, not a test).
//   node plugins/ingress-haproxy/bench/ingress.js [--seconds 5] [--connections 50] [--pipelining 1] [--quick]
// --quick: 1 s each instead of 5, to check the script runs (figures not judged).
// Build first (npx tsc -b). Everything is on 127.0.0.1: a Node HTTP backend in a child process (so it does not
// share the event loop with the load tool), the ingress (real haproxy) on ephemeral ports, and autocannon in
// this process. Both runs use the same autocannon settings, one after the other, in the same process.
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { HaproxyIngress } = require('../dist');
const { quick, report } = require('../../../test/bench/lib');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}
const seconds = Math.min(Math.max(Number(arg('seconds', quick ? 1 : 5)), 1), 600);
const connections = Math.min(Math.max(Number(arg('connections', 50)), 1), 4096);
const pipelining = Math.min(Math.max(Number(arg('pipelining', 1)), 1), 64);

const BACKEND = `
  const http = require('node:http');
  const s = http.createServer((req, res) => { res.setHeader('content-type', 'text/plain'); res.end('hello from backend\\n'); });
  s.keepAliveTimeout = 60000;
  s.listen(0, '127.0.0.1', () => process.send(s.address().port));
`;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function run(title, url, headers, duration = seconds) {
  return new Promise((resolve, reject) => {
    autocannon({ title, url, headers, connections, pipelining, duration }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-ingress-bench-'));
  const backend = spawn(process.execPath, ['-e', BACKEND], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let ingress;
  try {
    const backendPort = await new Promise((resolve, reject) => {
      backend.once('message', resolve);
      backend.once('error', reject);
      backend.once('exit', (c) => reject(new Error(`backend exited ${c}`)));
    });
    const httpPort = await freePort();
    ingress = new HaproxyIngress({ workDir: path.join(tmp, 'work'), http: { host: '127.0.0.1', port: httpPort } });
    await ingress.start();
    const res = await ingress.apply([
      { namespace: 'bench', name: 'web', hosts: ['bench.test'], rules: [{ path: '/', backends: [{ ip: '127.0.0.1', port: backendPort }] }] },
    ]);
    if (res.rejected.length) throw new Error(`route rejected: ${JSON.stringify(res.rejected)}`);

    const haproxy = execFileSync('haproxy', ['-v']).toString().split('\n')[0];
    // Warm both paths, then measure.
    await run('warm', `http://127.0.0.1:${httpPort}/`, { host: 'bench.test' }, 1).catch(() => undefined);
    const direct = await run('direct', `http://127.0.0.1:${backendPort}/`, { host: 'bench.test' });
    const through = await run('ingress', `http://127.0.0.1:${httpPort}/`, { host: 'bench.test' });
    const toBackend = 'straight to the backend (node:http)';
    const bad = (r) => r.errors + r.timeouts + r.non2xx;
    report({
      title: `haproxy ingress vs straight to the backend: autocannon, ${connections} connections, pipelining ${pipelining}, ${seconds} s each, keep-alive; ${haproxy}`,
      rows: [
        { figure: 'through the ingress', value: through.requests.average, unit: 'req/s', peer: toBackend, peerValue: direct.requests.average, target: '≥ 0.9×' },
        { figure: 'through the ingress: p50', value: through.latency.p50, unit: 'ms', peer: toBackend, peerValue: direct.latency.p50 },
        { figure: 'through the ingress: p99', value: through.latency.p99, unit: 'ms', peer: toBackend, peerValue: direct.latency.p99 },
        { figure: 'through the ingress: requests', value: through.requests.total, unit: '' },
        { figure: 'straight to the backend: requests', value: direct.requests.total, unit: '' },
        { figure: 'through the ingress: errors + non-2xx', value: bad(through), unit: '' },
        { figure: 'straight to the backend: errors + non-2xx', value: bad(direct), unit: '' },
      ],
      extra: { seconds, connections, pipelining, haproxy, direct_rps: direct.requests.average, ingress_rps: through.requests.average, ratio: through.requests.average / direct.requests.average },
    });
  } finally {
    if (ingress) await ingress.stop();
    backend.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
