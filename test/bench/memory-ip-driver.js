// Shared by the CPI swap benchmark: a CRI + CII package wrapping the in-memory example driver whose running
// containers report one given address (config `ip`), installed next to it in <data dir>/drivers. Pods then
// have endpoints without a process each, so a thousand services cost the platform's own work and a
// service table of a thousand VIPs, while every VIP leads to a real server at that address (the fast
// static backend, run by the benchmark). Not a test helper: plain JS.
'use strict';
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { installMemoryDriver, PACKAGE: MEMORY } = require('./memory-driver');

const PACKAGE = '@lbbench/driver-memory-ip';

const INDEX = `'use strict';
// ${PACKAGE}: ${MEMORY} whose running containers report the address in the config's "ip".
const memory = require('${MEMORY}');
const { z } = require(require.resolve('zod', { paths: [require.resolve('${MEMORY}')] })); // the zod its schema is made with
const base = memory.default;
const withIp = (ip) => (s) => (s && s.state === 'running' ? { ...s, ip } : s);
module.exports.default = {
  ...base,
  configSchema: memory.configSchema.extend({ ip: z.string().min(1) }),
  create(ctx) {
    const { ip, ...config } = ctx.config;
    const made = base.create({ ...ctx, config });
    const cri = made.cri;
    const [create, inspect, list] = [cri.create.bind(cri), cri.inspect.bind(cri), cri.list.bind(cri)];
    const add = withIp(ip);
    cri.create = async (spec) => add(await create(spec));
    cri.inspect = async (ref) => add(await inspect(ref));
    cri.list = async (filter) => (await list(filter)).map(add);
    return made;
  },
};
`;

/** Writes the wrapper package into MODULES (a node_modules directory that holds the memory driver). */
function writeWrapper(modules) {
  const pkg = join(modules, ...PACKAGE.split('/'));
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: PACKAGE, version: '0.1.0', main: 'index.js', lastbackend: { kind: ['cri', 'cii'], api: '2' } }, null, 2));
  writeFileSync(join(pkg, 'index.js'), INDEX);
  return pkg;
}

/**
 * Installs the memory driver and this wrapper into DIR/drivers; returns the config's `drivers` with the
 * wrapper as CRI and CII (its containers at IP) and no CNI (the CPI is the caller's to add).
 * @param {string} dir the server's data dir
 * @param {string} ip
 */
function installMemoryIpDriver(dir, ip) {
  installMemoryDriver(dir);
  writeWrapper(join(dir, 'drivers', 'node_modules'));
  const driver = { package: PACKAGE, config: { ip } };
  return { cri: driver, cii: driver, cni: 'none' };
}

module.exports = { PACKAGE, installMemoryIpDriver, writeWrapper };
