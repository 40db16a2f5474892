// The example third-party CPI driver (examples/driver-userproxy) as a user would ship it: built and
// packed with npm, installed from the tarball into a prefix of its own, loaded from there, and run
// through the CPI conformance suite with loopback VIPs and two HTTP backends on loopback.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driverIdentity, isDriverDefinition, type DriverLogger, type ProxyDriver } from '@lastbackend/sdk';
import { runCpiConformance, packageDriverInfo } from '@lastbackend/sdk/testing';
import { installTarball, packExample } from './example-package';

const VIPS: [string, string] = ['127.0.0.10', '127.0.0.11'];

/** An HTTP server on ip:<ephemeral port> that answers every request with `name`. */
async function backend(ip: string, name: string): Promise<{ server: Server; ip: string; port: number }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end(name));
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, ip, () => ok()));
  return { server, ip, port: (server.address() as AddressInfo).port };
}

/** One GET through the VIP on a fresh connection; resolves with the body (the backend's name). */
const request = (vip: string, port: number): Promise<string> =>
  new Promise((ok, fail) => {
    const req = get({ host: vip, port, path: '/', agent: false, headers: { connection: 'close' }, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => ok(body)).on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${vip}:${port}/ timed out`))).on('error', fail);
  });

const quiet: DriverLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let cpi: ProxyDriver | undefined;
const servers: Server[] = [];
const tmp: string[] = [];

beforeAll(async () => {
  const prefix = mkdtempSync(join(tmpdir(), 'lb-userproxy-'));
  tmp.push(prefix);
  installTarball(packExample('driver-userproxy', prefix), prefix);
}, 180_000);

afterAll(async () => {
  await cpi?.dispose();
  for (const s of servers) await new Promise<void>((ok) => (s.closeAllConnections(), s.close(() => ok())));
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

runCpiConformance('userproxy example', async () => {
  const dir = join(tmp[0], 'node_modules', '@example', 'driver-userproxy');
  const mod = require(dir) as { default?: unknown };
  const def = mod.default;
  if (!isDriverDefinition(def)) throw new Error(`${dir} does not default-export a driver definition`);
  expect(driverIdentity(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>).kinds).toEqual(['cpi']);
  const parsed = def.configSchema ? def.configSchema.safeParse({}) : { success: true as const, data: {} };
  if (!parsed.success) throw new Error('the default config does not validate');
  const stateDir = mkdtempSync(join(tmpdir(), 'lb-userproxy-state-'));
  tmp.push(stateDir);
  const instances = await def.create({
    config: parsed.data,
    logger: quiet,
    stateDir,
    node: 'test',
    info: packageDriverInfo(dir),
  });
  if (!instances.cpi) throw new Error('the driver made no cpi instance');
  cpi = instances.cpi;
  const b = [await backend('127.0.0.2', 'backend-a'), await backend('127.0.0.3', 'backend-b')];
  servers.push(...b.map((x) => x.server));
  return { cpi, vips: VIPS, backends: b.map(({ ip, port }) => ({ ip, port })), schedulers: ['wrr'], request };
});
