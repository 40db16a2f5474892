// Test runner: loads the built driver (drivers/nftables/dist) the way the kernel does and serves calls on
// one instance, in the network namespace this process was started in (the test starts it as
// `nsenter --net=/run/netns/<node> node runner.js '<config json>'`).
// Requests, one JSON per stdin line:  {"id": 1, "op": "setTable", "arg": [...]}   (op: info|probe|setTable|list|dispose)
// Answers, one JSON per stdout line:  {"id": 1, "result": ...} or {"id": 1, "error": {"name", "code", "message"}}
// The first line is {"id": 0, "result": "ready"} once the driver is loaded (or an error and exit 1).
'use strict';
const path = require('node:path');
const readline = require('node:readline');
const { driverIdentity, identityInfo, parseOrThrow } = require('@lastbackend/sdk');

const send = (msg) => process.stdout.write(JSON.stringify(msg) + '\n');
const errorOf = (e) => ({ name: e && e.name, code: e && e.code, message: String((e && e.message) || e) });

async function main() {
  const def = require(path.join(__dirname, '..', 'dist', 'index.js')).default;
  const log = (level) => (msg, meta) => process.stderr.write(JSON.stringify({ level, msg, meta }) + '\n');
  const { cpi } = await def.create({
    config: parseOrThrow(def.configSchema, JSON.parse(process.argv[2] || '{}')),
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    stateDir: '/nonexistent',
    node: 'test',
    info: identityInfo(driverIdentity(require(path.join(__dirname, '..', 'package.json')))),
  });
  send({ id: 0, result: 'ready' });
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const { id, op, arg } = JSON.parse(line);
    try {
      if (!['info', 'probe', 'setTable', 'list', 'dispose'].includes(op)) throw new Error(`unknown op ${op}`);
      const r = arg === undefined ? await cpi[op]() : await cpi[op](arg);
      send({ id, result: r === undefined ? null : r });
    } catch (e) {
      send({ id, error: errorOf(e) });
    }
  }
  await cpi.dispose();
}

main().catch((e) => {
  send({ id: 0, error: errorOf(e) });
  process.exitCode = 1;
});
