// The REST API: a NestJS application over the domain classes. Routes follow the original's shape.
import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import type { RequestListener, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ClusterState } from '../cluster/cluster';
import { NodeStreams } from '../cluster/node-stream';
import type { Logger } from '../kernel/logger';
import { Resources } from '../state/resources';
import { Store } from '../store/store';
import { authMiddleware } from './auth';
import { auditMiddleware } from './audit';
import type { AuditTrail } from '../audit/trail';
import { SnapshotController } from './controllers/snapshot.controller';
import { AUDIT_TRAIL, AuditController } from './controllers/audit.controller';
import { EventController } from './controllers/event.controller';
import { EventReader } from '../events/reader';
import { EventRecorder } from '../events/recorder';
import { jsonBodies } from './body-limits';
import { fastReads } from './fast-reads';
import { hotReads } from './hot-reads';
import { hotWrites } from './hot-writes';
import { httpObserver } from './http-metrics';
import { serveDocs } from './docs';
import { serveUi, uiDist } from './ui';
import { Auth } from '../auth/auth';
import { ClusterController } from './controllers/cluster.controller';
import { ComponentController, SERVER_COMPONENTS } from './controllers/component.controller';
import { NotImplementedController } from './controllers/not-implemented.controller';
import { NamespaceController } from './controllers/namespace.controller';
import { OBJECT_CONTROLLERS } from './controllers/object.controller';
import { TaskController } from './controllers/task.controller';
import { CA_BUNDLE, SystemController } from './controllers/system.controller';
import { PodController } from './controllers/pod.controller';
import { StatsController } from './controllers/stats.controller';
import { ServiceController } from './controllers/service.controller';
import { ErrorFilter } from './errors.filter';
import { WireInterceptor } from './wire.interceptor';
import { wire } from '@lastbackend/sdk';
import { LogService } from './logs';
import { LogStore } from '../logs/log-store';
import { Kernel } from '../kernel/kernel';
import { DriverController } from './controllers/driver.controller';
import { MetricsController } from './controllers/metrics.controller';
import { NodeGateway } from './node-gateway';
import type { Leadership } from '../ha/leader';
import { LeaderController, LEADERSHIP } from '../ha/leader.controller';
import type { ClusterTls } from '../tls/cluster-tls';
import type { ServerComponent } from '../cluster/components';
import { WatchController } from './controllers/watch.controller';
import { WatchTickets } from './watch/tickets';
import { watchViews } from './watch/views';
import { OpenWatches, watchMiddleware } from './watch/watch';
import { hookUpgrades } from './upgrade';
import { CaRotation } from '../tls/ca-rotation';

export interface ApiDeps {
  store: Store;
  resources: Resources;
  cluster: ClusterState;
  gateway: NodeGateway;
  logs: LogService;
  logStore: LogStore;
  kernel: Kernel;
  auth: Auth;
  log: Logger;
  version: string;
  /** Who runs the controller now (GET /cluster/leader). */
  leadership: Leadership;
  /** Over TLS: the server certificate, and the cluster CA that verifies nodes' client certificates. */
  tls?: ClusterTls;
  /** Plugins this server runs itself (its ingress): GET /ingress lists them. */
  components?: readonly ServerComponent[];
  /** The audit trail, and this server's name in its records (api/audit.ts). */
  audit?: { trail: AuditTrail; server: string };
  /** Write an access log line per API call (with --log-format json, or at debug level). */
  accessLog?: boolean;
  /** The event recorder (what nodes report goes there) and reader. */
  events: { recorder: EventRecorder; reader: EventReader };
  /** Why this server cannot rotate its CA online (a shared store), or undefined. */
  caRotationRefusal?: string;
  /** The discovery suffix that names endpoints in answers (meta.endpoint: `<svc>.<ns>.<suffix>`); default lb.local. */
  suffix?: string;
}

@Module({})
class ApiModule {
  static with(d: ApiDeps, tickets: WatchTickets, watches: OpenWatches): DynamicModule {
    return {
      module: ApiModule,
      // Every route is declared in routes.ts; the controllers register their handlers from it.
      controllers: [
        SystemController,
        NamespaceController,
        ServiceController,
        PodController,
        DriverController,
        LeaderController,
        ClusterController,
        ComponentController,
        AuditController,
        SnapshotController,
        MetricsController,
        EventController,
        WatchController,
        StatsController,
        ...OBJECT_CONTROLLERS,
        TaskController,
        // The original's routes that answer 501 (routes.ts NOT_IMPLEMENTED_ROUTES).
        NotImplementedController,
      ],
      providers: [
        { provide: Store, useValue: d.store },
        { provide: Resources, useValue: d.resources },
        { provide: ClusterState, useValue: d.cluster },
        { provide: NodeStreams, useValue: new NodeStreams(d.store, d.cluster) },
        { provide: NodeGateway, useValue: d.gateway },
        { provide: LogService, useValue: d.logs },
        { provide: Auth, useValue: d.auth },
        { provide: LogStore, useValue: d.logStore },
        { provide: Kernel, useValue: d.kernel },
        { provide: LEADERSHIP, useValue: d.leadership },
        // Asked per request: a CA rotation changes the bundle.
        { provide: CA_BUNDLE, useValue: () => d.tls?.bundle },
        { provide: CaRotation, useValue: new CaRotation(d.store, d.tls, d.caRotationRefusal) },
        { provide: SERVER_COMPONENTS, useValue: d.components ?? [] },
        { provide: AUDIT_TRAIL, useValue: d.audit?.trail },
        { provide: EventRecorder, useValue: d.events.recorder },
        { provide: EventReader, useValue: d.events.reader },
        { provide: WatchTickets, useValue: tickets },
        { provide: OpenWatches, useValue: watches },
      ],
    };
  }
}

/** The API's TLS context after a CA change; connections whose client certificate no CA trusted now issued are ended. */
function retrust(server: HttpsServer, tls: ClusterTls): void {
  server.setSecureContext({ key: tls.server.key, cert: tls.server.cert, ca: tls.caCert });
  const cas = splitPem(tls.caCert).map((p) => new X509Certificate(p));
  for (const socket of openTlsSockets(server)) {
    const raw = socket.getPeerCertificate()?.raw;
    if (!raw) continue;
    const peer = new X509Certificate(raw);
    if (!cas.some((ca) => peer.checkIssued(ca) && peer.verify(ca.publicKey))) socket.destroy();
  }
}

const splitPem = (bundle: string): string[] => bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

const TLS_SOCKETS = new WeakMap<HttpsServer, Set<TLSSocket>>();
function trackTlsSockets(server: HttpsServer): void {
  const open = new Set<TLSSocket>();
  TLS_SOCKETS.set(server, open);
  server.on('secureConnection', (s: TLSSocket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  });
}
const openTlsSockets = (server: HttpsServer): TLSSocket[] => [...(TLS_SOCKETS.get(server) ?? [])];

/** What answers an API app's requests: its hot reads in front of Express, and Express for upgrades. */
interface ApiHandlers {
  request: RequestListener;
  express: RequestListener;
}
const HANDLERS = new WeakMap<INestApplication, ApiHandlers>();

function serveOn(server: HttpServer, h: ApiHandlers): void {
  server.on('request', h.request);
  // Upgraded requests (exec -it, port-forward) through the same application, and so the same checks.
  hookUpgrades(server, h.express);
}

/** Serves the API app on another server too (the local unix socket): the same routes and checks. */
export function serveApiOn(app: INestApplication, server: HttpServer): void {
  const h = HANDLERS.get(app);
  if (!h) throw new Error('not an API app made by createApi');
  serveOn(server, h);
}

export async function createApi(d: ApiDeps): Promise<INestApplication> {
  // Over TLS a client certificate is asked for, never required: the admin and the CLI have none; a
  // node's is checked against its credential (Auth.authenticate).
  const httpsOptions = d.tls && { key: d.tls.server.key, cert: d.tls.server.cert, ca: d.tls.caCert, requestCert: true, rejectUnauthorized: false };
  const tickets = new WatchTickets(d.store);
  const watches = new OpenWatches();
  const wireCtx = { ...wire.DEFAULT_WIRE_CONTEXT, ...(d.suffix ? { suffix: d.suffix } : {}) };
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.with(d, tickets, watches), { logger: false, bodyParser: false, ...(httpsOptions ? { httpsOptions } : {}) });
  if (d.tls) trackTlsSockets(app.getHttpServer() as HttpsServer);
  // Metrics and the access log first, so that refused calls are counted and logged too.
  const metrics = httpObserver(d.accessLog ? d.log.child('access') : undefined);
  app.use(metrics);
  // The recorder goes next so that it sees the bearer check's refusals; it reads no query (tokens).
  if (d.audit) app.use(auditMiddleware(d.audit.trail, d.audit.server));
  app.use(authMiddleware(d.auth, tickets));
  // ?watch=true on a list route: answered here, from the route table, before any controller.
  app.use(watchMiddleware({ store: d.store, views: watchViews(d.resources, d.cluster), wire: wireCtx, open: watches }));
  app.use(jsonBodies()); // per-route size limits and a nesting depth cap, checked before parsing
  // The hottest reads, after every check above, without Nest's and Express's routers (fast-reads.ts).
  const reads = fastReads(app.get(ServiceController), d.store, wireCtx);
  app.use(reads.middleware);
  app.useGlobalFilters(new ErrorFilter(d.log));
  app.useGlobalInterceptors(new WireInterceptor(wireCtx));
  app.disable('x-powered-by');
  serveDocs(app, () => (require('../openapi/spec') as typeof import('../openapi/spec')).buildOpenApi(d.version));
  const server = app.getHttpServer() as HttpsServer;
  const express = app.getHttpAdapter().getInstance() as RequestListener;
  // Kept answers to admitted plain GETs and admitted object writes before Express; every other request
  // goes to it (hot-reads.ts, hot-writes.ts).
  if (!server.listeners('request').includes(express)) throw new Error('the API server does not hand its requests to Express: hot reads cannot go in front of it');
  server.removeListener('request', express);
  const etagOf = (express as unknown as { get(setting: string): unknown }).get('etag fn');
  const etag = typeof etagOf === 'function' ? (body: Buffer) => (etagOf as (b: Buffer) => string | undefined)(body) : () => undefined;
  const lanes = hotWrites(hotReads(express, { auth: d.auth, reads, metrics }), { auth: d.auth, resources: d.resources, metrics, wire: wireCtx, etag, audit: d.audit, log: d.log });
  const handlers = { request: lanes, express };
  HANDLERS.set(app, handlers);
  serveOn(server, handlers);
  // A CA rotation: new connections are verified against the CAs trusted now and see this server's new
  // certificate; open ones made with a certificate of a CA no longer trusted are closed.
  const tls = d.tls;
  if (tls) tls.onChange(() => retrust(app.getHttpServer() as HttpsServer, tls));
  serveUi(app, uiDist());
  return app;
}
