// Conformance suite for ingress plugins: the plugin object provides `ingress`, and the proxy it makes
// starts on the port it is given answering 404, routes by host (any letter case, port stripped) and by the
// longest path prefix to the backends, answers 503 for a rule without backends, rejects a bad route
// alone and says why, replaces the whole route set on each apply, and stops. Plain HTTP on loopback; the
// backends are HTTP servers the suite runs.
//   runIngressConformance('ingress-haproxy', async () => ({ plugin: (await import('../src')).default }));
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriverLogger } from '../drivers/define';
import { capabilityOf, isPlugin, type Plugin } from '../plugins/define';
import type { IngressProxy, IngressRoute } from '../plugins/ingress';
import { eventually, uniqueSuffix } from './helpers';

export interface IngressConformanceSubject {
  /** The package's default export (definePlugin({ name, ingress })). */
  plugin: unknown;
  /** The plugin's own settings (ingress.config). */
  config?: Record<string, unknown>;
  cleanup?: () => Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const silent: DriverLogger = { debug() {}, info() {}, warn() {}, error() {} };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, LOOPBACK, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** An HTTP server answering "<name> <path>". */
function backend(name: string): Promise<{ server: http.Server; port: number }> {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => res.end(`${name} ${req.url}`));
    server.listen(0, LOOPBACK, () => resolve({ server, port: (server.address() as net.AddressInfo).port }));
  });
}

/** One request on a fresh connection: status and body. */
function get(port: number, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: LOOPBACK, port, path, headers: { host }, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export function runIngressConformance(name: string, factory: () => Promise<IngressConformanceSubject>): void {
  describe(`ingress plugin conformance: ${name}`, () => {
    const run = uniqueSuffix();
    const ns = `conf-${run}`.slice(0, 40);
    const host = (h: string) => `${h}.${run}.test`;
    const workDir = mkdtempSync(join(tmpdir(), 'lb-ingress-conformance-'));
    let subject: IngressConformanceSubject | undefined;
    let proxy: IngressProxy | undefined;
    let port = 0;
    const backends: { server: http.Server; port: number }[] = [];

    const plugin = (): Plugin => {
      if (!subject) throw new Error('the conformance factory failed; see the beforeAll error');
      if (!isPlugin(subject.plugin)) throw new Error('the package does not default-export definePlugin({...}) from @lastbackend/sdk');
      return subject.plugin;
    };
    const started = (): IngressProxy => {
      if (!proxy) throw new Error('the proxy did not start; see the first failure');
      return proxy;
    };
    const route = (name: string, hosts: string[], rules: { path: string; to: number[] }[]): IngressRoute => ({
      namespace: ns,
      name,
      hosts,
      rules: rules.map((r) => ({ path: r.path, backends: r.to.map((i) => ({ ip: LOOPBACK, port: backends[i].port })) })),
    });
    /** The body (or status) a request gets, once the proxy serves what was applied. */
    const answers = async (h: string, path: string, want: string | number): Promise<void> => {
      let last = '';
      await eventually(
        async () => {
          const r = await get(port, h, path).catch((e: Error) => ({ status: 0, body: e.message }));
          last = `${r.status} ${r.body}`;
          return typeof want === 'number' ? r.status === want : r.status === 200 && r.body === want;
        },
        10_000,
        `GET http://${h}${path} should answer ${want}`,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; last answer: ${last}`);
      });
    };

    beforeAll(async () => {
      subject = await factory();
      backends.push(await backend('a'), await backend('b'));
      port = await freePort();
    });

    afterAll(async () => {
      await proxy?.stop().catch(() => undefined);
      for (const b of backends) b.server.close();
      await subject?.cleanup?.();
      rmSync(workDir, { recursive: true, force: true });
    });

    it('the package is a plugin that provides ingress', () => {
      expect(isPlugin(subject?.plugin)).toBe(true);
      expect(plugin().name.length).toBeGreaterThan(0);
      expect(typeof capabilityOf(plugin(), 'ingress')).toBe('function');
    });

    it('start() serves the port it was given: 404 for every host while there are no routes', async () => {
      const create = capabilityOf(plugin(), 'ingress');
      if (!create) throw new Error(`plugin ${plugin().name} provides no ingress`);
      const p = create({ workDir, http: { host: LOOPBACK, port }, logger: silent, config: subject?.config ?? {} });
      await p.start();
      proxy = p;
      await answers(host('nothing'), '/', 404);
    });

    it('routes by host, in any letter case and with a port in Host, to its backends', async () => {
      const r = await started().apply([route('web', [host('web')], [{ path: '/', to: [0] }])]);
      expect(r.rejected).toEqual([]);
      expect(r.applied).toEqual([`${ns}/web`]);
      await answers(host('web'), '/x', 'a /x');
      await answers(host('WEB').toUpperCase(), '/y', 'a /y');
      await answers(`${host('web')}:${port}`, '/z', 'a /z');
      await answers(host('other'), '/', 404);
    });

    it('the longest path prefix wins, across the rules of a host', async () => {
      await started().apply([route('web', [host('web')], [{ path: '/', to: [0] }, { path: '/api', to: [1] }])]);
      await answers(host('web'), '/api/v1', 'b /api/v1');
      await answers(host('web'), '/page', 'a /page');
    });

    it('a rule without backends answers 503', async () => {
      await started().apply([route('web', [host('web')], [{ path: '/', to: [0] }, { path: '/down', to: [] }])]);
      await answers(host('web'), '/down/x', 503);
      await answers(host('web'), '/', 'a /');
    });

    it('a bad route is rejected alone, with its reason, and the others are served', async () => {
      const r = await started().apply([
        route('web', [host('web')], [{ path: '/', to: [0] }]),
        route('nopath', [host('nopath')], [{ path: 'no-slash', to: [1] }]),
        route('badhost', ['not a host!'], [{ path: '/', to: [1] }]),
      ]);
      expect(r.applied).toEqual([`${ns}/web`]);
      expect(r.rejected.map((x) => x.route).sort()).toEqual([`${ns}/badhost`, `${ns}/nopath`]);
      for (const x of r.rejected) expect(x.reason.length).toBeGreaterThan(0);
      await answers(host('web'), '/', 'a /');
    });

    it('apply() replaces the whole set: a route left out is gone, a new one is served', async () => {
      await started().apply([route('api', [host('api')], [{ path: '/', to: [1] }])]);
      await answers(host('api'), '/', 'b /');
      await answers(host('web'), '/', 404);
    });

    it('stop() closes the port; a second stop() is fine', async () => {
      await started().stop();
      await started().stop();
      await eventually(async () => get(port, host('api')).then(() => false, () => true), 10_000, 'the port should be closed after stop()');
    });
  });
}
