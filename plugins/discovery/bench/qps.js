#!/usr/bin/env node
// Discovery DNS queries/s over UDP on loopback vs dnsmasq serving the same records, on the same machine, in
// the same run (a benchmark, not a test). Three processes: the discovery server (serve.js, the built
// DiscoveryServer), dnsmasq (Debian's dnsmasq-base, on a loopback port of its own, --no-resolv, the same
// A records from an --addn-hosts file) and the load generator, Debian's dnsperf (C, bounded: at most
// --outstanding queries in flight, a fixed duration). Each server gets the same dnsperf run in alternating
// rounds; figures are the medians. Only zone names are queried: nothing is ever forwarded anywhere.
//   node plugins/discovery/bench/qps.js [--seconds 5] [--rounds 3] [--records 1000] [--outstanding 100] [--node-dgram] [--quick]
// --node-dgram: the discovery server answers UDP with node:dgram, not its native thread (udpThread: false).
// --quick: one round of 1 s, to check the script runs (figures not judged). Build first: npx tsc -b.
'use strict';
const { spawn } = require('node:child_process');
const dgram = require('node:dgram');
const { chmodSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const packet = require('dns-packet');
const { cpuSeconds, median, quick, report, sleep } = require('../../../test/bench/lib');
const { hostsFile, queryNames, records } = require('./records');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : def;
}
const bounded = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
const SECONDS = bounded(arg('seconds', quick ? 1 : 5), 1, 600);
const ROUNDS = bounded(arg('rounds', quick ? 1 : 3), 1, 20);
const RECORDS = bounded(arg('records', 1000), 1, 65536);
const OUTSTANDING = bounded(arg('outstanding', 100), 1, 4096);

/** A UDP port free on 127.0.0.1 when asked. */
const freeUdpPort = () =>
  new Promise((res, rej) => {
    const s = dgram.createSocket('udp4');
    s.once('error', rej);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

/** One A query for NAME to 127.0.0.1:PORT; resolves with the answer's addresses, or [] after 300 ms. */
function ask(port, name) {
  return new Promise((res) => {
    const s = dgram.createSocket('udp4');
    const done = (v) => {
      clearTimeout(t);
      s.close();
      res(v);
    };
    const t = setTimeout(() => done([]), 300);
    s.on('message', (m) => {
      try {
        done(packet.decode(m).answers.filter((a) => a.type === 'A').map((a) => a.data));
      } catch {
        done([]);
      }
    });
    s.send(packet.encode({ type: 'query', id: 1, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), port, '127.0.0.1');
  });
}

/** Waits until the server on PORT answers NAME with IP (30 s at most, or until the process ends). */
async function answering(port, name, ip, proc, what) {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${what} exited (${proc.exitCode ?? proc.signalCode})`);
    if ((await ask(port, name)).includes(ip)) return;
  }
  throw new Error(`${what} did not answer ${name} with ${ip} within 30 s`);
}

/** The discovery server in its own process; resolves with its port and how it serves UDP. */
function startDiscovery() {
  const args = [join(__dirname, 'serve.js'), String(RECORDS), ...(process.argv.includes('--node-dgram') ? ['--node-dgram'] : [])];
  const p = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  procs.push(p);
  return new Promise((res, rej) => {
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = /PORT (\d+) UDP (.+)\n/.exec(out);
      if (m) res({ port: Number(m[1]), udp: m[2] });
    });
    p.once('exit', (code) => rej(new Error(`discovery server exited (${code}) before listening`)));
  });
}

/** dnsmasq on 127.0.0.1:PORT with only the hosts file's records: no upstreams, no /etc/hosts, no config file. */
function startDnsmasq(port, hosts) {
  const args = ['--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`, '--listen-address=127.0.0.1', '--bind-interfaces', `--port=${port}`, '--pid-file=', '--local-ttl=5', '--user=nobody', '--group=nogroup', '--log-facility=/dev/null'];
  const p = spawn('dnsmasq', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  procs.push(p);
  p.once('error', (e) => console.error(`cannot run dnsmasq (apt-get install dnsmasq-base): ${e.message}`));
  return p;
}

/** One dnsperf run against PORT; resolves with its figures (throws if dnsperf fails). */
function dnsperf(port, queries) {
  return new Promise((res, rej) => {
    const args = ['-s', '127.0.0.1', '-p', String(port), '-d', queries, '-l', String(SECONDS), '-q', String(OUTSTANDING), '-t', '2', '-c', '4'];
    const p = spawn('dnsperf', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.once('error', (e) => rej(new Error(`cannot run dnsperf (apt-get install dnsperf): ${e.message}`)));
    p.once('exit', (code) => {
      const num = (re) => Number(re.exec(out)?.[1]);
      const r = {
        qps: num(/Queries per second:\s+([\d.]+)/),
        sent: num(/Queries sent:\s+(\d+)/),
        completed: num(/Queries completed:\s+(\d+)/),
        lost: num(/Queries lost:\s+(\d+)/),
        noerror: num(/NOERROR (\d+)/) || 0,
        avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
        maxMs: num(/Average Latency \(s\):.*max ([\d.]+)/) * 1000,
      };
      if (code !== 0 || !Number.isFinite(r.qps)) return rej(new Error(`dnsperf ${args.join(' ')}: exit ${code}\n${out}\n${err}`));
      res(r);
    });
  });
}

/** The servers this run started: ended at its end, or on SIGINT. */
const procs = [];

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-dns-'));
  chmodSync(dir, 0o755); // dnsmasq reads the hosts file after dropping to nobody
  try {
    const recs = records(RECORDS);
    const hosts = join(dir, 'hosts');
    writeFileSync(hosts, hostsFile(recs), { mode: 0o644 });
    const queries = join(dir, 'queries');
    writeFileSync(queries, `${queryNames(RECORDS).map((n) => `${n} A`).join('\n')}\n`);
    const [name] = queryNames(1);
    const ip = recs.services[0].ip;

    const { port: discoveryPort, udp } = await startDiscovery();
    const dnsmasqPort = await freeUdpPort();
    const dnsmasq = startDnsmasq(dnsmasqPort, hosts);
    await answering(discoveryPort, name, ip, procs[0], 'discovery server');
    await answering(dnsmasqPort, name, ip, dnsmasq, 'dnsmasq');

    const runs = { discovery: [], dnsmasq: [] };
    const sum = (k, f) => runs[k].reduce((n, x) => n + f(x), 0);
    const cpu = { discovery: 0, dnsmasq: 0 };
    const measure = async (k, port, pid) => {
      const c0 = cpuSeconds(pid);
      runs[k].push(await dnsperf(port, queries));
      cpu[k] += cpuSeconds(pid) - c0;
    };
    for (let r = 0; r < ROUNDS; r++) {
      await measure('discovery', discoveryPort, procs[0].pid);
      await measure('dnsmasq', dnsmasqPort, dnsmasq.pid);
    }
    // Server CPU per query, robust to the machine's load: µs.
    const perQuery = (k) => (cpu[k] * 1e6) / sum(k, (x) => x.completed);
    const med = (k, f) => median(runs[k].map(f));
    const peer = `dnsmasq ${dnsmasqPort}`;
    report({
      title: `DNS queries/s over UDP on loopback, ${RECORDS} services + ${RECORDS} pods, dnsperf (${OUTSTANDING} outstanding, 4 sockets, its own process), median of ${ROUNDS} alternating round(s) of ${SECONDS} s: the discovery server (its own process, UDP on ${udp}) vs dnsmasq with the same A records`,
      rows: [
        { figure: 'queries answered', value: med('discovery', (x) => x.qps), unit: 'q/s', peer, peerValue: med('dnsmasq', (x) => x.qps), target: '≥ 1.0×' },
        { figure: 'server CPU per query answered (lower is better)', value: perQuery('discovery'), unit: 'µs', peer, peerValue: perQuery('dnsmasq'), target: '≤ 1.0×' },
        { figure: 'latency average', value: med('discovery', (x) => x.avgMs), unit: 'ms', peer, peerValue: med('dnsmasq', (x) => x.avgMs) },
        { figure: 'latency max', value: med('discovery', (x) => x.maxMs), unit: 'ms', peer, peerValue: med('dnsmasq', (x) => x.maxMs) },
        { figure: 'queries sent', value: sum('discovery', (x) => x.sent), unit: '', peer, peerValue: sum('dnsmasq', (x) => x.sent) },
        { figure: 'queries lost', value: sum('discovery', (x) => x.lost), unit: '', peer, peerValue: sum('dnsmasq', (x) => x.lost) },
        { figure: 'answers other than NOERROR', value: sum('discovery', (x) => x.completed - x.noerror), unit: '', peer, peerValue: sum('dnsmasq', (x) => x.completed - x.noerror) },
      ],
      extra: { udp, seconds: SECONDS, rounds: ROUNDS, records: RECORDS, outstanding: OUTSTANDING, discovery_qps: runs.discovery.map((x) => x.qps), dnsmasq_qps: runs.dnsmasq.map((x) => x.qps) },
    });
  } finally {
    for (const p of procs) {
      if (p.exitCode === null && p.signalCode === null) {
        const gone = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await Promise.race([gone, sleep(3000)]);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

process.on('SIGINT', () => {
  for (const p of procs) p.kill('SIGTERM');
  process.exit(130);
});
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
