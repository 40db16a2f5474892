// Test runner: loads the built driver (drivers/vxlan/dist) the way the kernel does and runs a list of
// operations against one fresh instance, in the network namespace this process was started in
// (the test starts it as `nsenter --net=/run/netns/<host> node runner.js '<json>'`).
// Input:  {"stateDir": "...", "config": {...}, "ops": [{"op": "setupNode", "arg": {...}}, ...]}
// Output: one JSON line: {"results": [...]} or {"results": [...], "error": {"op", "code", "message"}}.
'use strict';
const path = require('node:path');
const { driverIdentity, identityInfo, parseOrThrow } = require('@lastbackend/sdk');
const def = require(path.join(__dirname, '..', 'dist', 'index.js')).default;

async function main() {
  const input = JSON.parse(process.argv[2]);
  const logs = [];
  const log = (level) => (msg, meta) => logs.push({ level, msg, meta });
  const { cni } = await def.create({
    config: parseOrThrow(def.configSchema, input.config ?? {}),
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    stateDir: input.stateDir,
    node: 'test',
    info: identityInfo(driverIdentity(require(path.join(__dirname, '..', 'package.json')))),
  });
  const results = [];
  try {
    for (const { op, arg } of input.ops) {
      try {
        const r = arg === undefined ? await cni[op]() : await cni[op](arg);
        results.push(r === undefined ? null : r);
      } catch (e) {
        return { results, logs, error: { op, code: e.code, message: e.message } };
      }
    }
    return { results, logs };
  } finally {
    await cni.dispose();
  }
}

main().then(
  (out) => process.stdout.write(JSON.stringify(out) + '\n'),
  (e) => {
    process.stdout.write(JSON.stringify({ results: [], error: { op: 'load', message: String(e && e.stack) } }) + '\n');
    process.exitCode = 1;
  },
);
