// The real API application over a level store in a temp dir, for tests that need HTTP but no node:
// a node's agent (exec, drivers) is whatever handle the test registers.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createApi } from '../api/app';
import { LogService } from '../api/logs';
import { NodeGateway, type NodeAgentHandle } from '../api/node-gateway';
import { Auth } from '../auth/auth';
import { ClusterState } from '../cluster/cluster';
import type { Leadership } from '../ha/leader';
import type { Kernel } from '../kernel/kernel';
import { createLogger, type Logger } from '../kernel/logger';
import { LogStore } from '../logs/log-store';
import { Resources } from '../state/resources';
import { SecretBox } from '../state/secret-box';
import { Store } from '../store/store';
import { FileTrail } from '../audit/file-trail';
import { EventReader } from '../events/reader';
import { EventRecorder } from '../events/recorder';

export interface ApiFixture {
  url: string;
  adminToken: string;
  store: Store;
  auth: Auth;
  cluster: ClusterState;
  /** The event recorder (what nodes report lands here, written on flush()). */
  events: EventRecorder;
  /** The log collector's store (what agents ship lands here). */
  logStore: LogStore;
  app: INestApplication;
  /** Serves `node` with this agent handle (exec, drivers). */
  registerAgent(node: string, agent: NodeAgentHandle): void;
  close(): Promise<void>;
}

/** `log`: where the API logs (silent unless a test reads what it writes). */
export async function startApiFixture(version = 'test', log: Logger = createLogger('silent')): Promise<ApiFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'lb-api-'));
  const store = new Store(join(dir, 'store'));
  await store.open();
  const logStore = new LogStore(join(dir, 'logs'), 3600);
  await logStore.open();
  const adminToken = randomBytes(16).toString('hex');
  const trail = new FileTrail(join(dir, 'audit'), { maxBytes: 1 << 20, maxFiles: 2, maxAge: 3600 });
  await trail.open();
  const auth = new Auth(store, adminToken, SecretBox.withKey(randomBytes(32)));
  const cluster = new ClusterState(store, version);
  const recorder = new EventRecorder(store, { ttl: 3600, max: 10_000 });
  const gateway = new NodeGateway(store, auth);
  const leadership: Leadership = {
    id: 'test',
    start: async () => undefined,
    isLeader: () => true,
    status: async () => ({ backend: 'level', server: 'test', leader: true }),
    peers: async () => [],
    stop: async () => undefined,
  };
  const app = await createApi({
    store,
    resources: new Resources(store, SecretBox.withKey(randomBytes(32))),
    cluster,
    gateway,
    logs: new LogService(cluster, logStore),
    logStore,
    kernel: {} as Kernel, // no route reaches the kernel: drivers go through the node's agent
    auth,
    log,
    version,
    leadership,
    audit: { trail, server: 'test' },
    events: { recorder, reader: new EventReader(store) },
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    store,
    auth,
    cluster,
    logStore,
    events: recorder,
    app,
    registerAgent: (node, agent) => gateway.register(node, agent),
    close: async () => {
      await app.close();
      await recorder.close();
      await trail.close();
      await logStore.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
