// `lb server`'s start-up and shutdown order comes from its module graph, and a part that fails to
// start stops the parts started before it and surfaces its own error. A control-plane-only server on a
// level store in a temp dir (no drivers, no Docker), over TLS, on a free loopback port.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LbClient, tlsDispatcher } from '@lastbackend/sdk';
import { KernelConfig } from '../config/config';
import { createLogger } from '../kernel/logger';
import { runServer } from '../server';

const work = mkdtempSync(join(tmpdir(), 'lb-server-graph-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A port nothing listens on now, and a server holding another one. */
async function listening(): Promise<Server> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return srv;
}
const portOf = (srv: Server) => (srv.address() as { port: number }).port;

/** examples/driver-memory installed into <data dir>/drivers as @example/driver-memory, running its sources. */
function installMemoryDriver(dataDir: string): string {
  const example = resolve(__dirname, '../../../examples/driver-memory');
  const dir = join(dataDir, 'drivers', 'node_modules', '@example', 'driver-memory');
  mkdirSync(dir, { recursive: true });
  const pj = JSON.parse(readFileSync(join(example, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pj, main: 'index.js' }));
  writeFileSync(join(dir, 'index.js'), `module.exports = require(${JSON.stringify(join(example, 'src', 'index.ts'))});\n`);
  return '@example/driver-memory';
}

let seq = 0;
function setup(port: number) {
  const lines: string[] = [];
  const log = createLogger('debug', 'lb', (l) => void lines.push(l));
  const cfg = KernelConfig.parse({ data_dir: join(work, `data-${++seq}`), listen: `127.0.0.1:${port}`, token: 'graph-spec-admin-token', node: { name: 'graph', agent: false }, drivers: {} });
  /** The parts in the order they started and stopped, from the Lifecycle's debug lines. */
  const trace = (what: 'started' | 'stopped') => lines.map((l) => new RegExp(`\\] ${what} (.+)$`).exec(l.trim())?.[1]).filter((x): x is string => x !== undefined);
  return { cfg, log, trace };
}

/** What each part needs started before it (its module's imports). */
const NEEDS: Record<string, string[]> = {
  store: ['kernel'],
  tls: ['store'],
  auth: ['store', 'tls'],
  leadership: ['store'],
  'log store': ['kernel'],
  'audit trail': ['store'],
  events: ['store'],
  api: ['store', 'tls', 'auth', 'log store', 'leadership', 'audit trail', 'events'],
  'controller (on the leader)': ['leadership', 'api', 'events'],
};
function expectDependencyOrder(started: string[]): void {
  for (const [part, needs] of Object.entries(NEEDS)) {
    if (!started.includes(part)) continue;
    for (const need of needs) expect({ part, need, before: started.includes(need) && started.indexOf(need) < started.indexOf(part) }).toEqual({ part, need, before: true });
  }
}
/** The parts that hold something to release (the others have no stop), last started first. */
const reversedStoppable = (started: string[]) => started.filter((p) => !['tls', 'auth', 'leadership'].includes(p)).reverse();

describe('lb server as a module graph', () => {
  it('opens the kernel, store, TLS, auth, leadership, log store and API in dependency order, then goes live; stops in the reverse order', async () => {
    const probe = await listening();
    const port = portOf(probe);
    await new Promise((r) => probe.close(r));
    const { cfg, log, trace } = setup(port);
    const server = await runServer(cfg, log);
    try {
      const up = trace('started');
      expect([...up].sort()).toEqual(['api', 'audit trail', 'auth', 'controller (on the leader)', 'events', 'kernel', 'leadership', 'log store', 'store', 'tls']);
      expectDependencyOrder(up);
      expect(up.at(-1)).toBe('controller (on the leader)'); // live work starts once everything is open
      expect(server.url).toBe(`https://127.0.0.1:${port}`);
      // It serves: the leader is this server (the controller runs), over TLS with the cluster CA.
      const ca = readFileSync(join(cfg.data_dir, 'tls', 'ca.crt'), 'utf8');
      const res = await fetch(`${server.url}/cluster/leader`, { headers: { authorization: 'Bearer graph-spec-admin-token' }, dispatcher: tlsDispatcher({ ca }) } as RequestInit);
      expect(await res.json()).toMatchObject({ leader: true, backend: 'level' });
    } finally {
      await server.close();
    }
    // Parts that hold something stop in the reverse of the order they started.
    expect(trace('stopped')).toEqual(reversedStoppable(trace('started')));
  });

  it('a part that fails to start (the API cannot listen) stops every part started before it, and its error is the one thrown', async () => {
    const taken = await listening();
    const { cfg, log, trace } = setup(portOf(taken));
    try {
      await expect(runServer(cfg, log)).rejects.toThrow(`cannot listen on 127.0.0.1:${portOf(taken)}`);
    } finally {
      await new Promise((r) => taken.close(r));
    }
    const up = trace('started');
    expect([...up].sort()).toEqual(['audit trail', 'auth', 'events', 'kernel', 'leadership', 'log store', 'store', 'tls']);
    expectDependencyOrder(up);
    expect(trace('stopped')).toEqual(reversedStoppable(up));
    expect(trace('stopped')).toEqual(expect.arrayContaining(['log store', 'store', 'kernel']));
    // The store was closed: another server opens the same data dir.
    const again = await runServer({ ...cfg, listen: '127.0.0.1:0' }, createLogger('silent'));
    await again.close();
  });

  it('with its local agent (on the in-memory driver): the agent goes live after the API and the controller, registers as the node, and stops first', async () => {
    const probe = await listening();
    const port = portOf(probe);
    await new Promise((r) => probe.close(r));
    const { cfg: base, log, trace } = setup(port); // the agent reaches the API at this port
    const memory = { package: installMemoryDriver(base.data_dir), config: {} };
    const cfg = KernelConfig.parse({ ...base, node: { name: 'graph-node' }, drivers: { cri: memory, cii: memory }, discovery: { enabled: false } });
    const server = await runServer(cfg, log);
    try {
      const up = trace('started');
      expectDependencyOrder(up);
      for (const need of ['api', 'controller (on the leader)', 'local node name']) expect(up.indexOf(need)).toBeLessThan(up.indexOf('agent'));
      expect(up.indexOf('agent')).toBeLessThan(up.indexOf('local node gateway'));
      const client = new LbClient({ server: server.url, token: 'graph-spec-admin-token', tls: { ca: readFileSync(join(cfg.data_dir, 'tls', 'ca.crt'), 'utf8') } });
      const node = await waitUntil(async () => (await client.nodes()).find((n) => n.meta.name === 'graph-node'));
      expect(node.status.state).toBe('ready');
      // Through the node gateway: the node's drivers, as the local agent's kernel reports them.
      expect((await client.drivers('graph-node')).map((d) => d.kind).sort()).toEqual(['cii', 'cri']);
    } finally {
      await server.close();
    }
    const down = trace('stopped');
    expect(down[0]).toBe('agent');
    expect(down).toEqual(reversedStoppable(trace('started')).filter((p) => !['local node name', 'local node gateway'].includes(p)));
  }, 60_000);
});

async function waitUntil<T>(fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
