#!/usr/bin/env node
// Discovery DNS throughput over UDP on loopback (a benchmark, not a test).
//   node plugins/discovery/bench/qps.js [--seconds 5] [--concurrency 64] [--name web.shop.lb.local] [--server 127.0.0.1:PORT] [--quick]
// --quick: 1 s instead of 5, to check the script runs (figures not judged).
// Without --server it starts an in-process DiscoveryServer (build first: npx tsc -b) on 127.0.0.1:0 with a small zone
// and no upstreams; the client then shares the event loop with it, so figures are a lower bound.
// Only zone names are queried: nothing is ever forwarded to a real resolver.
'use strict';
const dgram = require('node:dgram');
const packet = require('dns-packet');
const { percentile, quick, report } = require('../../../test/bench/lib');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

const seconds = Math.min(Math.max(Number(arg('seconds', quick ? 1 : 5)), 1), 600);
const concurrency = Math.min(Math.max(Number(arg('concurrency', 64)), 1), 4096);
const qname = arg('name', 'web.shop.lb.local');
const serverArg = arg('server', '');

async function main() {
  let server;
  let host = '127.0.0.1';
  let port;
  if (serverArg) {
    const i = serverArg.lastIndexOf(':');
    host = serverArg.slice(0, i);
    port = Number(serverArg.slice(i + 1));
  } else {
    const { DiscoveryServer } = require('../dist');
    server = new DiscoveryServer({ upstreams: [] });
    const services = [];
    const pods = [];
    for (let n = 0; n < 1000; n++) {
      services.push({ namespace: 'shop', name: n === 0 ? 'web' : `svc-${n}`, ip: `10.96.${n >> 8}.${n & 255}`, ports: [{ name: 'http', port: 80, protocol: 'tcp' }] });
      pods.push({ namespace: 'shop', service: 'web', name: `web-${n}`, ip: `10.0.${n >> 8}.${n & 255}` });
    }
    server.setRecords({ services, pods });
    ({ port } = await server.listen(host, 0));
  }

  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const sentAt = new Map(); // id -> hrtime of send
  const latencies = [];
  let sent = 0;
  let received = 0;
  let errors = 0;
  let nextId = 0;
  const deadline = process.hrtime.bigint() + BigInt(seconds) * 1_000_000_000n;
  const maxQueries = 50_000_000; // hard bound on the loop whatever the duration
  let running = true;
  let end = 0n;

  function sendOne() {
    if (!running || sent >= maxQueries) return;
    if (process.hrtime.bigint() >= deadline) {
      if (running) end = process.hrtime.bigint();
      running = false;
      return;
    }
    const id = nextId;
    nextId = (nextId + 1) & 0xffff;
    const q = packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name: qname }] });
    sentAt.set(id, process.hrtime.bigint());
    sent++;
    sock.send(q, port, host);
  }

  sock.on('message', (msg) => {
    let res;
    try {
      res = packet.decode(msg);
    } catch {
      errors++;
      return sendOne();
    }
    const t0 = sentAt.get(res.id);
    if (t0 !== undefined) {
      sentAt.delete(res.id);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      received++;
      if (!res.answers || res.answers.length === 0) errors++;
    }
    sendOne();
  });

  const start = process.hrtime.bigint();
  for (let i = 0; i < concurrency; i++) sendOne();
  // Refill the window if datagrams get lost, and stop at the deadline.
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      if (!running || sent >= maxQueries) {
        if (!end) end = process.hrtime.bigint();
        clearInterval(tick);
        return setTimeout(resolve, 200); // let the last answers arrive
      }
      const now = process.hrtime.bigint();
      for (const [id, t] of sentAt) {
        if (now - t > 1_000_000_000n) {
          sentAt.delete(id);
          sendOne();
        }
      }
    }, 100);
  });
  const elapsed = Number(end - start) / 1e9;
  sock.close();
  if (server) await server.close();

  const ms = (p) => percentile(latencies, p);
  report({
    title: `discovery DNS over UDP: ${qname} A, concurrency ${concurrency}, ${seconds} s${server ? ' (in-process server, 1000 services + 1000 pods: the client shares its event loop, a lower bound)' : ` (server ${host}:${port})`}`,
    rows: [
      { figure: 'queries answered', value: received / elapsed, unit: 'q/s', target: '≥ 1.0× dnsmasq (peer not measured)' },
      { figure: 'latency p50', value: ms(0.5), unit: 'ms' },
      { figure: 'latency p90', value: ms(0.9), unit: 'ms' },
      { figure: 'latency p99', value: ms(0.99), unit: 'ms' },
      { figure: 'latency max', value: ms(1), unit: 'ms' },
      { figure: 'queries sent', value: sent, unit: '' },
      { figure: 'queries lost', value: sent - received, unit: '' },
      { figure: 'bad answers', value: errors, unit: '' },
    ],
    extra: { seconds: elapsed, concurrency, name: qname, in_process: Boolean(server), sent, received, lost: sent - received, bad: errors },
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
