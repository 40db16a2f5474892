// The discovery DNS server of the benchmark, in a process of its own (so the load generator never shares
// its event loop): the built DiscoveryServer with COUNT services and their pods, on 127.0.0.1 (port
// chosen by the kernel), no upstreams. Prints "PORT <n> UDP <how>" when it listens (how: the native thread
// or node:dgram); exits when its stdin closes.
//   node plugins/discovery/bench/serve.js COUNT [--node-dgram]
'use strict';
const { DiscoveryServer } = require('../dist');
const { records } = require('./records');

async function main() {
  const server = new DiscoveryServer({ upstreams: [], udpThread: !process.argv.includes('--node-dgram') });
  server.setRecords(records(Number(process.argv[2] ?? 1000)));
  const { port } = await server.listen('127.0.0.1', 0);
  process.stdout.write(`PORT ${port} UDP ${server.udpThreadStats() ? 'native thread' : 'node:dgram'}\n`);
  // Ends with its parent: stdin is a pipe from it.
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
  process.stdin.resume();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
