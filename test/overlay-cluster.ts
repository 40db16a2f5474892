// A control-plane-only server on an underlay address and one agent per host namespace, each with the
// vxlan CNI driver (and whatever else a test adds). cleanup() removes all of it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TestAgent, TestServer, uniq } from './harness';
import { Underlay } from './underlay';

export interface OverlayCluster {
  net: Underlay;
  server: TestServer;
  agents: TestAgent[];
  cleanup(): Promise<void>;
}

export async function startOverlayCluster(o: {
  hosts: number;
  /** Server config: network (CIDRs), controller timings. */
  server: Record<string, unknown>;
  /** Drivers besides the container ones and vxlan, e.g. a CPI. */
  drivers?: Record<string, unknown>;
  discovery?: boolean;
  prefix: string;
  /** The agents' `controller` config (self-fencing after node_not_ready_after): pass the server's to match it. */
  agentController?: Record<string, number>;
}): Promise<OverlayCluster> {
  const net = Underlay.create(o.hosts);
  const dir = mkdtempSync(join(tmpdir(), 'lb-overlay-'));
  const agents: TestAgent[] = [];
  let server: TestServer | undefined;
  const cleanup = async () => {
    for (const a of agents) await a.cleanup();
    await server?.cleanup();
    net.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const cfg = join(dir, 'server.yaml');
    writeFileSync(cfg, stringify({ ...o.server, drivers: {} }));
    server = await TestServer.start({ config: cfg, host: net.serverAddress, agent: false });
    const joinToken = (await server.client.createToken({ uses: net.hosts.length })).token;
    for (const h of net.hosts) {
      agents.push(
        await TestAgent.start({
          server,
          joinToken,
          name: uniq(`${o.prefix}-${h.name}`),
          netns: h.netns,
          listenHost: h.address,
          drivers: { cni: { package: '@lastbackend/driver-vxlan' }, ...(o.drivers ?? {}) },
          ...(o.discovery ? { discovery: { enabled: true } } : {}),
          ...(o.agentController ? { controller: o.agentController } : {}),
        }),
      );
    }
    return { net, server, agents, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
