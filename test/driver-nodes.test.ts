// Drivers of a joined node through the API: `lb driver ls|set --node` reach that node's agent, a swap
// made there outlives the agent's restart, and an edit of the agent's config file swaps it again.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestAgent, TestServer, uniq, waitFor } from './harness';

describe('drivers of a joined node', () => {
  let s: TestServer;
  let agent: TestAgent;

  beforeAll(async () => {
    s = await TestServer.start();
    const token = (await s.lb(['token', 'create', '--role', 'node'])).stdout.trim();
    agent = await TestAgent.start({ server: s, joinToken: token, name: uniq('drv-agent'), drivers: { csi: { package: '@lastbackend/driver-hostdir' } } });
  });
  afterAll(async () => {
    await agent?.cleanup();
    await s?.cleanup();
  });

  const csiOf = async (node?: string) => (await s.client.drivers(node)).find((d) => d.kind === 'csi')!;

  it('lists and swaps the drivers of the named node, not the server\'s', async () => {
    const ls = await s.lb(['driver', 'ls', '--node', agent.node]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/csi\s+@lastbackend\/driver-hostdir\s+\S+\s+in-process\s+ready/);

    const set = await s.lb(['driver', 'set', 'csi', '@lastbackend/driver-hostdir', '--isolation', 'process', '--node', agent.node]);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/csi driver is @lastbackend\/driver-hostdir@\S+ \(ready, process \d+\)/);
    expect(await csiOf(agent.node)).toMatchObject({ isolation: 'process', state: 'ready' });
    expect(await csiOf()).toMatchObject({ isolation: 'in-process' }); // the server's own node is untouched
  });

  it('keeps a swap made through the API across an agent restart', async () => {
    await agent.stop();
    await agent.launch();
    // The restarted agent serves on a new port, known once it has reported its status.
    const csi = await waitFor(() => csiOf(agent.node).catch(() => undefined), (d) => d !== undefined, 'agent reachable again', 20_000);
    expect(csi).toMatchObject({ isolation: 'process', state: 'ready', restarts: 0 });
  });

  it("swaps again when the agent's config file changes the kind's entry", async () => {
    const file = join(agent.dataDir, 'config.yaml');
    const cfg = JSON.parse(readFileSync(file, 'utf8')) as { drivers: Record<string, unknown> };
    cfg.drivers.csi = { package: '@lastbackend/driver-hostdir', config: { root: join(agent.dataDir, 'volumes-2') } };
    writeFileSync(file, JSON.stringify(cfg));
    const deadline = Date.now() + 20_000;
    while ((await csiOf(agent.node)).isolation !== 'in-process' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await csiOf(agent.node)).toMatchObject({ isolation: 'in-process', state: 'ready' });
  });

  it('answers 404 for a node that does not exist, and refuses an unknown kind', async () => {
    const r = await s.lb(['driver', 'ls', '--node', 'no-such-node']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/node "no-such-node" not found/);
    const k = await s.lb(['driver', 'set', 'gpu', '@x/y', '--node', agent.node]);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toMatch(/kind: must be one of cri, cii, csi, cni, cpi/);
  });
});
