// docker-compose files deployed with `lb apply -f`, on one real server with Docker: three files of
// different shapes (test/fixtures/compose: a web app with a database and a cache, read from stdin; a queue
// and its workers; anchors, .env, secrets and configs, in the namespace named by the project), each
// service ready and answering HTTP through its VIP (nftables CPI in a table and service range of this
// file's own; discovery DNS, so services reach each other by name as compose's do), every unsupported
// key warned. A bind mount is refused with nothing applied. The mapping itself is unit-tested
// (core/src/cli/compose/convert.spec.ts).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, TEST_DEFAULTS, TestServer, lb, readyPods, uniq, waitFor } from './harness';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'compose');
const TABLE = `lbcompose${randomBytes(3).toString('hex')}`;

/** One GET from the host on a fresh connection: the body, or why it failed. */
const request = (ip: string, port: number): Promise<string> =>
  new Promise((ok, fail) => {
    const req = get({ host: ip, port, path: '/', agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => (res.statusCode === 200 ? ok(body) : fail(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timed out'))).on('error', fail);
  });

describe('docker-compose files: lb apply -f', () => {
  let s: TestServer;
  let dir = '';
  const created: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-compose-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        ...TEST_DEFAULTS,
        drivers: { ...TEST_DEFAULTS.drivers, cpi: { package: '@lastbackend/driver-nftables', config: { table: TABLE } } },
        network: { ...TEST_DEFAULTS.network, service_cidr: '10.226.0.0/16' },
        discovery: { enabled: true },
      }),
    );
    s = await TestServer.start({ config, dataDir: join(dir, 'data') });
  });

  afterAll(async () => {
    for (const ns of created) await s?.client.deleteNamespace(ns).catch(() => undefined);
    await s?.cleanup();
    try {
      execFileSync('nft', ['delete', 'table', 'ip', TABLE], { stdio: 'ignore' });
    } catch {
      // not created, or already gone
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const vip = async (ns: string, svc: string) => (await s.client.service(ns, svc)).status.network.ip!;
  /** The body the service answers at its VIP and port, once the VIP's rules are in place. */
  const answer = async (ns: string, svc: string, port: number) => {
    const ip = await vip(ns, svc);
    expect(ip).toMatch(/^10\.226\./);
    return waitFor(() => request(ip, port).catch((e: Error) => `failed: ${e.message}`), (b) => !b.startsWith('failed:'), `${svc} answering at ${ip}:${port}`, 30_000);
  };
  const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning: '));

  it('a web app with a database and a cache, from stdin: created in a new namespace, ready, serving on the published ports', async () => {
    const ns = uniq('compose-web');
    created.push(ns);
    const r = await lb(['apply', '-f', '-', '-n', ns], s.env, readFileSync(join(FIXTURES, 'webapp', 'compose.yaml'), 'utf8'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`namespace/${ns} created\nvolume/dbdata created\nservice/web created\nservice/db created\nservice/cache created\n`);
    expect(warnings(r.stderr)).toEqual([
      'warning: `networks` is not supported (ignored): every service reaches every other by its name in the namespace',
      "warning: service web: `container_name` is not supported (ignored): containers are named by the platform; other services reach this one by the service's name",
      'warning: service web: `networks` is not supported (ignored): every service reaches every other by its name in the namespace',
      'warning: service web: `logging` is not supported (ignored)',
      'warning: service web: `build` is not supported (ignored): the image lb-test/busybox:latest is used as it is',
      'warning: service web: restart unless-stopped runs as always (a container is not stopped by hand here)',
      'warning: service db: `networks` is not supported (ignored): every service reaches every other by its name in the namespace',
      'warning: service cache: `networks` is not supported (ignored): every service reaches every other by its name in the namespace',
    ]);
    // The apply waited for every rollout: all replicas are ready now.
    expect(readyPods(await s.pods(ns, 'web'))).toHaveLength(2);
    expect(readyPods(await s.pods(ns, 'db'))).toHaveLength(1);
    expect(await answer(ns, 'web', 80)).toBe('hello from lb-test\n');
    expect(await answer(ns, 'db', 5432)).toBe('hello from lb-test\n');
    expect(await answer(ns, 'cache', 6379)).toBe('hello from lb-test\n');
    // The app reaches the database by its compose name, and has the env the file gave it.
    const [web] = readyPods(await s.pods(ns, 'web'));
    const fromWeb = await s.client.exec(ns, web.meta.name, ['sh', '-c', 'wget -qO- http://db:5432/ && echo "$DATABASE_URL"']);
    expect(fromWeb).toMatchObject({ exitCode: 0, stdout: 'hello from lb-test\npostgres://app:app@db:5432/app\n' });
    expect((await s.client.list('volume', ns)).map((v) => v.meta.name)).toEqual(['dbdata']);
  });

  it('a queue and two workers: the workers are ready once they took an item from the queue by its name', async () => {
    const ns = uniq('compose-worker');
    created.push(ns);
    const r = await lb(['apply', '-f', join(FIXTURES, 'worker', 'docker-compose.yml'), '-n', ns], s.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('service/queue created\nservice/worker created\n');
    expect(warnings(r.stderr)).toEqual([
      'warning: service worker: `stdin_open` is not supported (ignored)',
      'warning: service worker: `tty` is not supported (ignored)',
      'warning: service worker: `deploy.placement` is not supported (ignored)',
      'warning: service worker: `deploy.update_config` is not supported (ignored)',
    ]);
    const workers = readyPods(await s.pods(ns, 'worker'));
    expect(workers).toHaveLength(2);
    for (const w of workers) {
      const ex = await s.client.exec(ns, w.meta.name, ['sh', '-c', 'cat /tmp/last; echo "$CONCURRENCY $QUEUE_NAME"']);
      expect(ex).toMatchObject({ exitCode: 0, stdout: 'hello from lb-test\n4 jobs\n' });
    }
    expect(await answer(ns, 'queue', 8080)).toBe('hello from lb-test\n');
  });

  it("anchors, .env, secrets and configs: in the project's namespace, the config served and the secret a file", async () => {
    const ns = uniq('compose-shop');
    created.push(ns);
    const r = await lb(['apply', '-f', join(FIXTURES, 'anchors', 'compose.yaml')], { ...s.env, PROJECT_NAME: ns });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`namespace/${ns} created\nsecret/site-run-secrets created\nconfig/site-srv-site created\nconfig/admin-srv-site created\nservice/site created\nservice/admin created\n`);
    expect(warnings(r.stderr)).toEqual(['warning: service site: `extra_hosts` is not supported (ignored)', 'warning: service admin: `extra_hosts` is not supported (ignored)']);
    expect(await answer(ns, 'site', 8000)).toBe('<h1>served from a compose config</h1>\n');
    expect(await answer(ns, 'admin', 9000)).toBe('<h1>served from a compose config</h1>\n');
    const [site] = readyPods(await s.pods(ns, 'site'));
    expect(await s.client.exec(ns, site.meta.name, ['cat', '/run/secrets/api_key'])).toMatchObject({ exitCode: 0, stdout: 'k-123\n' });
    expect((await s.client.service(ns, 'site')).meta.labels).toEqual({ app: 'shop' });

    // Applied again into the namespace that now exists: no Namespace manifest, everything unchanged.
    const again = await lb(['apply', '-f', join(FIXTURES, 'anchors', 'compose.yaml')], { ...s.env, PROJECT_NAME: ns });
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('namespace/');
    expect(again.stdout).toContain('service/site unchanged');
  });

  it('refuses a bind mount before anything is applied, and lb compose convert prints what a file becomes', async () => {
    const ns = uniq('compose-bind');
    const file = join(dir, 'compose.yaml');
    writeFileSync(file, 'services:\n  app:\n    image: lb-test/busybox:latest\n    volumes: ["./src:/app"]\n');
    const r = await lb(['apply', '-f', file, '-n', ns], s.env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${file}: services.app.volumes.0: "./src" is a bind mount (a path on the host): not supported`);
    expect((await s.client.namespaces()).map((n) => n.meta.name)).not.toContain(ns);

    const c = await lb(['compose', 'convert', '-f', join(FIXTURES, 'worker', 'docker-compose.yml'), '-o', 'json'], s.env);
    expect(c.code).toBe(0);
    const out = JSON.parse(c.stdout) as { kind: string; meta: { name: string } }[];
    expect(out.map((m) => `${m.kind}/${m.meta.name}`)).toEqual(['Namespace/worker', 'Service/queue', 'Service/worker']);
    expect(warnings(c.stderr)).toHaveLength(4);
  });
});
