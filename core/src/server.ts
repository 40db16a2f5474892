// `lb server`: API + controller + scheduler + a local agent in one process (the embedded default).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LbClient, LbError, type Namespace } from '@lastbackend/sdk';
import { startNodeAgent } from './agent/start';
import { hostAddresses } from './agent/node-info';
import { Auth } from './auth/auth';
import { createApi } from './api/app';
import { LogService, type LogPeers } from './api/logs';
import { NodeGateway } from './api/node-gateway';
import { writeCliConfig } from './cli/cli-config';
import { ClusterState } from './cluster/cluster';
import { parseListen, type KernelConfig } from './config/config';
import { Controller } from './controller/controller';
import { Kernel } from './kernel/kernel';
import { watchDriverConfig } from './kernel/config-watch';
import { createLogger, type Logger } from './kernel/logger';
import { Resources } from './state/resources';
import { keys } from './store/keys';
import { newMeta } from './store/meta';
import type { Store } from './store/store';
import { openState, secretBoxFor } from './ha/state';
import { EtcdLeadership, SoleLeadership, type LeaderDuty, type Leadership } from './ha/leader';
import { IngressController, ingressSettings } from './ingress/ingress-controller';
import { LogStore } from './logs/log-store';
import { VERSION } from './version';
import { ClusterTls } from './tls/cluster-tls';

export interface RunningServer {
  url: string;
  token: string;
  kernel: Kernel;
  close(): Promise<void>;
}

/** The admin token: from the config, else the one generated earlier in the data dir, else a new one. */
function adminToken(cfg: KernelConfig): { token: string; generated: boolean } {
  if (cfg.token) return { token: cfg.token, generated: false };
  const file = join(cfg.data_dir, 'token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: true };
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, generated: true };
}

export async function runServer(cfg: KernelConfig, log: Logger = createLogger(cfg.log_level)): Promise<RunningServer> {
  mkdirSync(cfg.data_dir, { recursive: true, mode: 0o700 });
  chmodSync(cfg.data_dir, 0o700);
  const { token, generated } = adminToken(cfg);
  const { host, port } = parseListen(cfg.listen);
  const cleanup: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const fn of cleanup.reverse()) await fn().catch((e: Error) => log.warn(`shutdown: ${e.message}`));
    cleanup.length = 0;
  };

  try {
    // A control-plane-only server runs no pods, so it needs no drivers.
    const kernel = new Kernel(cfg.node.agent ? cfg : { ...cfg, drivers: {} }, log.child('kernel'));
    await kernel.start();
    cleanup.push(() => kernel.dispose());

    const state = await openState(cfg, log.child('store'));
    const store = state.store;
    cleanup.push(() => state.close());
    await ensureDefaultNamespace(store);

    const box = secretBoxFor(cfg, log);
    const resources = new Resources(store, box, cfg.network.service_cidr);
    const cluster = new ClusterState(store, VERSION, cfg.network);
    const { url, announced, addresses } = whereServed(cfg, host, port);
    const serverId = `${cfg.node.name}@${announced}`;
    const tls = cfg.tls.enabled ? await ClusterTls.open(store, box, cfg.tls, cfg.data_dir, serverId, addresses) : undefined;
    if (!tls) log.warn('TLS is off (--insecure-http): tokens, secrets and node traffic cross the network in clear');
    /** What this server's own clients (its agent, log requests to its peers) trust. */
    const trust = tls ? { tls: { ca: tls.bundle } } : {};
    const auth = new Auth(store, token, box, tls);
    const dropped = await auth.forgetStoredAgentKeys();
    if (dropped) log.info(`dropped the agent keys of ${dropped} node credential(s) from the store: agents fetch a derived key now`);
    const gateway = new NodeGateway(store, auth, tls);
    const logStore = new LogStore(join(cfg.data_dir, 'logs'), cfg.logs.retention);
    await logStore.open();
    cleanup.push(() => logStore.close());
    // The controller (with the scheduler and node liveness) runs on the leader only; with level that is this server.
    const controllerDuty = (): LeaderDuty => {
      const controller = new Controller(store, log.child('controller'), {
        history: cfg.controller.history,
        nodeNotReadyAfter: cfg.controller.node_not_ready_after,
        nodeOfflineAfter: cfg.controller.node_offline_after,
        resyncInterval: cfg.controller.resync,
      });
      return { start: () => controller.start(), stop: () => controller.stop() };
    };
    const leadership: Leadership = state.etcd
      ? new EtcdLeadership(state.etcd, serverId, cfg.store.etcd.lease_ttl, controllerDuty, log.child('leader'))
      : new SoleLeadership(serverId, controllerDuty);
    // Each server holds the logs its agents shipped to it; a request merges every live server's share.
    const logPeers: LogPeers = {
      clients: async () => (await leadership.peers()).map((server) => new LbClient({ server, token, timeout: 5000, ...trust })),
      warn: (msg) => log.warn(msg),
    };
    const logs = new LogService(cluster, logStore, logPeers);
    const app = await createApi({ store, resources, cluster, gateway, auth, logStore, kernel, logs, log: log.child('api'), version: VERSION, leadership, ...(tls ? { tls } : {}) });
    await app.listen(port, host).catch((e: Error) => {
      throw new LbError('UNAVAILABLE', `cannot listen on ${cfg.listen}: ${e.message}`, { fix: 'choose another --listen address' });
    });
    cleanup.push(() => app.close());

    await leadership.start();
    cleanup.push(() => leadership.stop());

    if (cfg.ingress.enabled) {
      const ingress = new IngressController(store, resources, ingressSettings(cfg), cfg.data_dir, log.child('ingress'));
      await ingress.start();
      cleanup.push(() => ingress.stop());
    }

    if (cfg.node.agent) {
      await auth.reserveServerNode(cfg.node.name);
      const agent = await startNodeAgent(kernel, new LbClient({ server: url, token, ...trust }), cfg, log.child('agent'));
      gateway.register(cfg.node.name, {
        exec: (...a) => agent.exec(...a),
        drivers: () => kernel.states(),
        swapDrivers: (kinds, swap) => kernel.swapAll(kinds, swap),
      });
      cleanup.push(() => agent.stop());
    }

    if (cfg.configFile && cfg.node.agent) cleanup.push(watchDriverConfig(cfg, kernel, log.child('kernel')));
    if (generated) writeCliConfig({ server: url, token, ...(tls ? { ca: tls.bundle } : {}) });
    log.info(`lb server ${VERSION} listening on ${url} (${cfg.node.agent ? `node ${cfg.node.name}` : 'no local agent'}, data ${cfg.data_dir})`);
    return { url, token, kernel, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * The URL this server's own clients use (loopback when listening on all addresses), the one other
 * servers reach it at (for logs), and the addresses its certificate must cover.
 */
function whereServed(cfg: KernelConfig, host: string, port: number): { url: string; announced: string; addresses: string[] } {
  const wildcard = host === '0.0.0.0' || host === '::';
  const addresses = wildcard ? [...(cfg.node.address ? [cfg.node.address] : []), ...hostAddresses()] : [host];
  const at = (h: string) => `${cfg.tls.enabled ? 'https' : 'http'}://${h.includes(':') ? `[${h}]` : h}:${port}`;
  const url = at(wildcard ? '127.0.0.1' : host);
  return { url, announced: wildcard ? at(addresses[0] ?? '127.0.0.1') : url, addresses };
}

async function ensureDefaultNamespace(store: Store): Promise<void> {
  await store.txn(async (tx) => {
    if (await tx.get(keys.namespace('default'))) return;
    const ns: Namespace = { kind: 'Namespace', version: 'v1', meta: newMeta({ name: 'default' }), spec: {}, status: { state: 'ready' } };
    tx.put(keys.namespace('default'), ns);
  });
}
