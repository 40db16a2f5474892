// `lb server`'s ingress: Route objects, the endpoints of the services they name and their TLS secrets
// become the routes of the ingress plugin's proxy (haproxy by default; the config's ingress.plugin names
// the package). It follows the store (a watch, coalesced), applies only when the rendered routes change,
// and writes each route's state back (ready, or why the proxy refused it).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isIpAddress, parsePortMapping, type Endpoint, type IngressProxy, type IngressRoute, type Route, type Service } from '@lastbackend/sdk';
import { parseListen, type KernelConfig } from '../config/config';
import type { Logger } from '../kernel/logger';
import { configuredCapability, type LoadedCapability } from '../plugins/plugin-loader';
import { stableStringify } from '../state/hash';
import type { Resources } from '../state/resources';
import { keys, PREFIX } from '../store/keys';
import { touch } from '../store/meta';
import type { Store } from '../store/store';

export interface IngressConfig {
  http: { host: string; port: number };
  https?: { host: string; port: number };
  /** Routes without a domain answer at <route>.<namespace>.<domain>. */
  domain: string;
  /** The ingress plugin and its own settings. */
  plugin: LoadedCapability<'ingress'>;
  config: Record<string, unknown>;
}

/** The ingress settings of the config, with its plugin loaded. */
export function ingressSettings(cfg: KernelConfig): IngressConfig {
  return {
    http: parseListen(cfg.ingress.http),
    ...(cfg.ingress.https ? { https: parseListen(cfg.ingress.https) } : {}),
    domain: cfg.ingress.domain,
    plugin: configuredCapability(cfg, 'ingress'),
    config: cfg.ingress.config,
  };
}

const COALESCE_MS = 100;

export class IngressController {
  private readonly proxy: IngressProxy;
  private unwatch: (() => void)[] = [];
  private timer?: NodeJS.Timeout;
  private last = '';
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly resources: Resources,
    private readonly cfg: IngressConfig,
    dataDir: string,
    private readonly log: Logger,
  ) {
    const workDir = join(dataDir, 'ingress');
    mkdirSync(workDir, { recursive: true, mode: 0o700 });
    this.proxy = cfg.plugin.create({ workDir, http: cfg.http, ...(cfg.https ? { https: cfg.https } : {}), logger: log, config: cfg.config });
  }

  async start(): Promise<void> {
    await this.proxy.start();
    const poke = () => (this.timer ??= setTimeout(() => void this.sync(), COALESCE_MS));
    this.unwatch = [PREFIX.routes, PREFIX.endpoints, PREFIX.services, PREFIX.secrets].map((p) => this.store.watch(p, poke));
    await this.sync();
    this.log.info(`ingress (${this.cfg.plugin.package}) on http://${this.cfg.http.host}:${this.cfg.http.port}${this.cfg.https ? ` and https://${this.cfg.https.host}:${this.cfg.https.port}` : ''}`);
  }

  async stop(): Promise<void> {
    for (const u of this.unwatch) u();
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => undefined);
    await this.proxy.stop();
  }

  /** Serialised: renders the routes, applies them if they changed, records each route's state. */
  sync(): Promise<void> {
    this.timer = undefined;
    const run = async () => {
      const { routes, problems } = await this.render();
      const text = stableStringify(routes);
      if (text === this.last && !problems.size) return;
      let rejected = new Map<string, string>();
      try {
        const r = await this.proxy.apply(routes);
        rejected = new Map(r.rejected.map((x) => [x.route, x.reason]));
        this.last = text;
      } catch (e) {
        this.log.error(`ingress: the new configuration was refused, the running one stays: ${(e as Error).message}`);
        for (const rt of routes) rejected.set(`${rt.namespace}/${rt.name}`, (e as Error).message);
      }
      await this.recordStates(routes, rejected, problems);
    };
    this.running = this.running.then(run, run);
    return this.running;
  }

  /** Routes as the proxy gets them; a route that cannot be rendered (missing TLS secret) is reported. */
  private async render(): Promise<{ routes: IngressRoute[]; problems: Map<string, string> }> {
    const routes: IngressRoute[] = [];
    const problems = new Map<string, string>();
    for (const r of await this.store.list<Route>(PREFIX.routes)) {
      const id = `${r.meta.namespace}/${r.meta.name}`;
      const rules = [];
      for (const rule of r.spec.rules) {
        const svc = await this.store.get<Service>(keys.service(r.meta.namespace, rule.service));
        const mapping = (svc?.spec.network?.ports ?? []).map(parsePortMapping).find((p) => p.port === rule.port && p.protocol === 'tcp');
        const ep = await this.store.get<Endpoint>(keys.endpoint(r.meta.namespace, rule.service));
        // A pod address stored before reports were checked and is not an IP stays out: a proxy (haproxy's
        // renderer) may refuse the whole route for it.
        const backends = mapping ? (ep?.spec.upstreams ?? []).filter((u) => isIpAddress(u.ip)).map((u) => ({ ip: u.ip, port: mapping.container })) : [];
        rules.push({ path: rule.path, backends });
      }
      let tls: IngressRoute['tls'];
      if (r.spec.tls) {
        try {
          const data = await this.resources.reveal('secret', r.meta.namespace, r.spec.tls.secret);
          const cert = data['tls.crt'];
          const key = data['tls.key'];
          if (!cert || !key) throw new Error(`secret "${r.spec.tls.secret}" needs the keys tls.crt and tls.key`);
          tls = { cert, key, redirect: r.spec.tls.redirect };
        } catch (e) {
          problems.set(id, `tls: ${(e as Error).message}`);
          continue;
        }
      }
      const host = r.spec.domain ?? `${r.meta.name}.${r.meta.namespace}.${this.cfg.domain}`;
      routes.push({ namespace: r.meta.namespace, name: r.meta.name, hosts: [host.toLowerCase()], rules, ...(tls ? { tls } : {}) });
    }
    return { routes, problems };
  }

  private recordStates(routes: IngressRoute[], rejected: Map<string, string>, problems: Map<string, string>): Promise<void> {
    return this.store.txn(async (tx) => {
      for (const r of await tx.list<Route>(PREFIX.routes)) {
        const id = `${r.meta.namespace}/${r.meta.name}`;
        const why = problems.get(id) ?? rejected.get(id);
        const state = why ? 'error' : routes.some((x) => `${x.namespace}/${x.name}` === id) ? 'ready' : 'pending';
        const message = why ?? '';
        if (r.status.state === state && r.status.message === message) continue;
        r.status = { state, message };
        tx.put(keys.object('route', r.meta.namespace, r.meta.name), touch(r));
      }
    });
  }
}
