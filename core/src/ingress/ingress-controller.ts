// `lb server`'s ingress: Route objects, the endpoints of the services they name and their TLS secrets
// become haproxy's configuration. It follows the store (a watch, coalesced), applies only when the
// rendered routes change, and writes each route's state back (ready, or why haproxy refused it).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isIpAddress, parsePortMapping, type Endpoint, type Route, type Service } from '@lastbackend/sdk';
import { HaproxyIngress, type IngressRoute } from '@lastbackend/plugin-ingress-haproxy';
import type { Logger } from '../kernel/logger';
import { stableStringify } from '../state/hash';
import type { Resources } from '../state/resources';
import { keys } from '../store/keys';
import { touch } from '../store/meta';
import type { Store } from '../store/store';

export interface IngressConfig {
  http: { host: string; port: number };
  https?: { host: string; port: number };
  /** Routes without a domain answer at <route>.<namespace>.<domain>. */
  domain: string;
}

const COALESCE_MS = 100;

export class IngressController {
  private readonly haproxy: HaproxyIngress;
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
    this.haproxy = new HaproxyIngress({ workDir, http: cfg.http, https: cfg.https, logger: log });
  }

  async start(): Promise<void> {
    await this.haproxy.start();
    const poke = () => (this.timer ??= setTimeout(() => void this.sync(), COALESCE_MS));
    this.unwatch = ['route/', 'endpoint/', 'service/', 'secret/'].map((p) => this.store.watch(p, poke));
    await this.sync();
    this.log.info(`ingress on http://${this.cfg.http.host}:${this.cfg.http.port}${this.cfg.https ? ` and https://${this.cfg.https.host}:${this.cfg.https.port}` : ''}`);
  }

  async stop(): Promise<void> {
    for (const u of this.unwatch) u();
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => undefined);
    await this.haproxy.stop();
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
        const r = await this.haproxy.apply(routes);
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

  /** Routes as haproxy sees them; a route that cannot be rendered (missing TLS secret) is reported. */
  private async render(): Promise<{ routes: IngressRoute[]; problems: Map<string, string> }> {
    const routes: IngressRoute[] = [];
    const problems = new Map<string, string>();
    for (const r of await this.store.list<Route>('route/')) {
      const id = `${r.meta.namespace}/${r.meta.name}`;
      const rules = [];
      for (const rule of r.spec.rules) {
        const svc = await this.store.get<Service>(keys.service(r.meta.namespace, rule.service));
        const mapping = (svc?.spec.network?.ports ?? []).map(parsePortMapping).find((p) => p.port === rule.port && p.protocol === 'tcp');
        const ep = await this.store.get<Endpoint>(keys.endpoint(r.meta.namespace, rule.service));
        // A pod address stored before reports were checked and is not an IP stays out: haproxy's renderer
        // would refuse the whole route for it.
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
      for (const r of await tx.list<Route>('route/')) {
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
