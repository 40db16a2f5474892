import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Manifests, type ManifestKind } from '@lastbackend/sdk';
import { validateManifests } from '../manifest-files';
import { composeManifests, isCompose, renameFields } from './index';
import type { Manifest } from './convert';

const FIXTURES = resolve(__dirname, '../../../../test/fixtures/compose');
let dir = '';
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-compose-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Converts a compose text written (with its side files) into a temp project directory. */
function convert(text: string, opts: { files?: Record<string, string>; env?: NodeJS.ProcessEnv; ns?: string } = {}) {
  for (const [f, content] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, f), content);
  writeFileSync(join(dir, 'compose.yaml'), text);
  return composeManifests({ name: join(dir, 'compose.yaml'), text }, opts.env ?? {}, dir, opts.ns);
}
const fixture = (path: string, env: NodeJS.ProcessEnv = {}, ns?: string) => {
  const file = join(FIXTURES, path);
  return composeManifests({ name: file, text: readFileSync(file, 'utf8') }, env, dir, ns);
};
const byName = (ms: Manifest[], kind: string, name: string) => {
  const m = ms.find((x) => x.kind === kind && x.meta.name === name);
  if (!m) throw new Error(`no ${kind}/${name} in ${ms.map((x) => `${x.kind}/${x.meta.name}`).join(', ')}`);
  return m;
};
const container = (m: Manifest) => (m.spec.template as { containers: Record<string, unknown>[] }).containers[0];
/** Every manifest passes the SDK's schema, as `lb apply` checks it. */
function expectValid(ms: Manifest[]): void {
  for (const m of ms) {
    const r = Manifests[m.kind as ManifestKind].safeParse(m);
    if (!r.success) throw new Error(`${m.kind}/${m.meta.name}: ${JSON.stringify(r.error.issues)}`);
  }
}

describe('compose: a web app with a database and a cache (test/fixtures/compose/webapp)', () => {
  it('becomes three services, a volume, ports on the VIP, probes, resources and restart policies', () => {
    const { namespace, manifests, warnings } = fixture('webapp/compose.yaml');
    expect(namespace).toBe('webapp');
    expectValid(manifests);
    expect(manifests.map((m) => `${m.kind}/${m.meta.name}`)).toEqual(['Volume/dbdata', 'Service/web', 'Service/db', 'Service/cache']);
    const web = byName(manifests, 'Service', 'web');
    expect(web.spec.replicas).toBe(2);
    expect(web.spec.network).toEqual({ ports: ['80:8080/tcp'] });
    expect(container(web)).toEqual({
      name: 'web',
      image: { name: 'lb-test/busybox:latest' },
      args: ['httpd', '-f', '-p', '8080', '-h', '/www'],
      env: [
        { name: 'DATABASE_URL', value: 'postgres://app:app@db:5432/app' },
        { name: 'REDIS_URL', value: 'redis://cache:6379/0' },
      ],
      restart: { policy: 'always' },
      resources: { limits: { cpu: 0.5, ram: '128mib' }, requests: { ram: '32mib' } },
      readiness: { exec: { command: ['wget', '-qO-', 'http://127.0.0.1:8080/'] }, period: 2, timeout: 5, failure_threshold: 5 },
    });
    const db = byName(manifests, 'Service', 'db');
    expect(container(db)).toMatchObject({
      args: ['httpd', '-f', '-p', '5432', '-h', '/www'],
      env: [
        { name: 'POSTGRES_USER', value: 'app' },
        { name: 'POSTGRES_DB', value: 'app' },
      ],
      volumes: [{ name: 'dbdata', path: '/var/lib/postgresql/data' }],
      readiness: { exec: { command: ['/bin/sh', '-c', 'wget -qO- http://127.0.0.1:5432/ >/dev/null'] }, period: 2, timeout: 30, initial_delay: 1 },
    });
    expect((db.spec.template as { volumes: unknown }).volumes).toEqual([{ name: 'dbdata', volume: { name: 'dbdata' } }]);
    expect(db.spec.network).toEqual({ ports: ['5432:5432/tcp'] });
    const cache = byName(manifests, 'Service', 'cache');
    expect(cache.spec.network).toEqual({ ports: ['6379:6379/tcp'] });
    expect(container(cache).resources).toEqual({ limits: { ram: '64mib' } });
    expect(warnings).toEqual([
      '`networks` is not supported (ignored): every service reaches every other by its name in the namespace',
      'service web: `container_name` is not supported (ignored): containers are named by the platform; other services reach this one by the service\'s name',
      'service web: `networks` is not supported (ignored): every service reaches every other by its name in the namespace',
      'service web: `logging` is not supported (ignored)',
      'service web: `build` is not supported (ignored): the image lb-test/busybox:latest is used as it is',
      'service web: restart unless-stopped runs as always (a container is not stopped by hand here)',
      'service db: `networks` is not supported (ignored): every service reaches every other by its name in the namespace',
      'service cache: `networks` is not supported (ignored): every service reaches every other by its name in the namespace',
    ]);
  });

  it('takes the namespace from -n, and variables from the environment', () => {
    const r = fixture('webapp/compose.yaml', { COMPOSE_PROJECT: 'Shop_Front', DB_PASSWORD: 's3cret' });
    expect(r.namespace).toBe('shop-front');
    expect(container(byName(r.manifests, 'Service', 'web')).env).toContainEqual({ name: 'DATABASE_URL', value: 'postgres://app:s3cret@db:5432/app' });
    expect(fixture('webapp/compose.yaml', {}, 'given').namespace).toBe('given');
  });
});

describe('compose: a queue worker (test/fixtures/compose/worker)', () => {
  it('maps entrypoint and command, env_file under environment, deploy.restart_policy, long port syntax, stop_grace_period', () => {
    const { namespace, manifests, warnings } = fixture('worker/docker-compose.yml');
    expect(namespace).toBe('worker');
    expectValid(manifests);
    const queue = byName(manifests, 'Service', 'queue');
    expect(queue.spec.network).toEqual({ ports: ['8080:8080/tcp'] });
    expect(container(queue)).toMatchObject({ command: ['httpd'], args: ['-f', '-p', '8080', '-h', '/www'], restart: { policy: 'always' } });
    const worker = byName(manifests, 'Service', 'worker');
    expect(worker.spec.replicas).toBe(2);
    expect(worker.spec.network).toBeUndefined();
    expect((worker.spec.template as { termination: number }).termination).toBe(5);
    expect(container(worker)).toMatchObject({
      args: ['sh', '-c', 'while true; do wget -qO /tmp/item http://queue:8080/ && cp /tmp/item /tmp/last; sleep 1; done'],
      env: [
        { name: 'CONCURRENCY', value: '4' },
        { name: 'QUEUE_NAME', value: 'jobs' },
        { name: 'QUEUE_URL', value: 'http://queue:8080/' },
      ],
      restart: { policy: 'on-failure', attempts: 3 },
      readiness: { exec: { command: ['/bin/sh', '-c', 'test -s /tmp/last'] }, period: 1 },
    });
    expect(warnings).toEqual([
      'service worker: `stdin_open` is not supported (ignored)',
      'service worker: `tty` is not supported (ignored)',
      'service worker: `deploy.placement` is not supported (ignored)',
      'service worker: `deploy.update_config` is not supported (ignored)',
    ]);
  });
});

describe('compose: anchors, .env, secrets and configs (test/fixtures/compose/anchors)', () => {
  it('merges anchors, reads .env under the environment, and mounts secrets and configs as files', () => {
    const { namespace, manifests, warnings } = fixture('anchors/compose.yaml', { PROJECT_NAME: 'shop', SITE_PORT: '8001' });
    expect(namespace).toBe('shop');
    expectValid(manifests);
    expect(manifests.map((m) => `${m.kind}/${m.meta.name}`)).toEqual([
      'Secret/site-run-secrets',
      'Config/site-srv-site',
      'Config/admin-srv-site',
      'Service/site',
      'Service/admin',
    ]);
    expect(byName(manifests, 'Secret', 'site-run-secrets').spec).toEqual({ type: 'opaque', data: { api_key: 'k-123\n' } });
    expect(byName(manifests, 'Config', 'site-srv-site').spec).toEqual({ data: { 'index.html': '<h1>served from a compose config</h1>\n' } });
    const site = byName(manifests, 'Service', 'site');
    expect(site.meta.labels).toEqual({ app: 'shop' }); // APP_LABEL from .env
    expect(site.spec.network).toEqual({ ports: ['8001:8080/tcp'] }); // the environment wins over .env
    expect(container(site)).toMatchObject({
      image: { name: 'lb-test/busybox:latest' },
      restart: { policy: 'on-failure', attempts: 5 },
      volumes: [
        { name: 'secret-run-secrets', path: '/run/secrets' },
        { name: 'config-srv-site', path: '/srv/site' },
      ],
    });
    expect((site.spec.template as { volumes: unknown }).volumes).toEqual([
      { name: 'secret-run-secrets', secret: { name: 'site-run-secrets' } },
      { name: 'config-srv-site', config: { name: 'site-srv-site' } },
    ]);
    expect(container(byName(manifests, 'Service', 'admin'))).toMatchObject({ security: { capabilities: { drop: ['MKNOD'] } } });
    expect(warnings).toEqual(['service site: `extra_hosts` is not supported (ignored)', 'service admin: `extra_hosts` is not supported (ignored)']);
  });

  it('refuses a missing required variable with its message', () => {
    expect(() => fixture('anchors/compose.yaml')).toThrow('name: required variable PROJECT_NAME is not set: set PROJECT_NAME');
  });
});

describe('compose: what is refused, nothing converted', () => {
  it('refuses bind mounts and anonymous volumes, naming the service and the path', () => {
    expect(() => convert('services:\n  app:\n    image: x\n    volumes: ["./src:/app"]\n')).toThrow(
      /services\.app\.volumes\.0: "\.\/src" is a bind mount \(a path on the host\): not supported/,
    );
    expect(() => convert('services:\n  app:\n    image: x\n    volumes: [{type: bind, source: /etc, target: /etc}]\n')).toThrow('"/etc" is a bind mount');
    expect(() => convert('services:\n  app:\n    image: x\n    volumes: ["/var/lib/data"]\n')).toThrow(
      'services.app.volumes.0: "/var/lib/data" is an anonymous volume: not supported; name it (NAME:/var/lib/data)',
    );
    expect(() => convert('services:\n  app:\n    image: x\n    volumes: ["data:/d"]\n')).toThrow('volume "data" is not declared in the top-level volumes:');
  });

  it('refuses a build without an image, unknown dependencies, and bad values', () => {
    expect(() => convert('services:\n  app:\n    build: .\n')).toThrow('has build but no image');
    expect(() => convert('services:\n  app:\n    image: x\n    depends_on: [db]\n')).toThrow('service "db" is not in this file');
    expect(() => convert('services:\n  app:\n    image: x\n    restart: sometimes\n')).toThrow('must be no, always, on-failure[:N] or unless-stopped');
    expect(() => convert('services:\n  app:\n    image: x\n    ports: ["80:8080/sctp"]\n')).toThrow('protocol sctp is not supported');
    expect(() => convert('services:\n  app:\n    image: x\n    ports: ["80:8080", "80:9090"]\n')).toThrow('port 80/tcp is published twice');
    expect(() => convert('services:\n  app:\n    image: x\n    healthcheck: {test: [CMD], interval: 5x}\n')).toThrow('must be a string, [CMD, ...]');
    expect(() => convert('services:\n  app:\n    image: x\n    configs: [c]\nconfigs:\n  c: {file: ./c.txt}\n', { files: { 'c.txt': 'x' } })).toThrow(
      'config "c" would be a file in / (/c)',
    );
    expect(() => convert('services:\n  app:\n    image: x\n    secrets: [s]\nsecrets:\n  s: {file: ./missing}\n')).toThrow(/secrets\.s: cannot read .*missing: ENOENT/);
  });

  it('says when a project name makes no namespace', () => {
    expect(() => convert('name: "__"\nservices:\n  app:\n    image: x\n')).toThrow('makes no namespace name: give -n NAMESPACE');
  });
});

describe('compose: more mappings', () => {
  it('depends_on (list and map) becomes spec.depends_on; completed_successfully makes the service a Job waited for', () => {
    const { manifests, warnings } = convert(
      [
        'services:',
        '  app:',
        '    image: x',
        '    depends_on:',
        '      db: {condition: service_healthy}',
        '      cache: {condition: service_started, restart: true}',
        '      migrate: {condition: service_completed_successfully}',
        '  web: {image: x, depends_on: [app, migrate]}',
        '  db: {image: x}',
        '  cache: {image: x}',
        '  migrate: {image: x}',
      ].join('\n'),
    );
    expectValid(manifests);
    expect(manifests.map((m) => `${m.kind}/${m.meta.name}`)).toEqual(['Job/migrate', 'Service/app', 'Service/web', 'Service/db', 'Service/cache']);
    expect(byName(manifests, 'Service', 'app').spec.depends_on).toEqual([
      { service: 'db', condition: 'ready' },
      { service: 'cache', condition: 'ready' },
      { job: 'migrate', condition: 'completed' },
    ]);
    // A dependency on a service that runs as a Job waits for it to complete, whatever its condition said.
    expect(byName(manifests, 'Service', 'web').spec.depends_on).toEqual([
      { service: 'app', condition: 'ready' },
      { job: 'migrate', condition: 'completed' },
    ]);
    expect(byName(manifests, 'Service', 'db').spec.depends_on).toBeUndefined();
    expect(warnings).toEqual([
      'service app: `depends_on.restart` is not supported (ignored)',
      'service web: depends on migrate (service_started), which runs as a Job (another service waits for it to complete): waits for it to complete',
    ]);
    expect(() => convert('services:\n  app:\n    image: x\n    depends_on: {db: {condition: service_done}}\n  db: {image: x}\n')).toThrow(
      'services.app.depends_on.db.condition: must be service_started, service_healthy or service_completed_successfully',
    );
  });

  it('a service waited for with service_completed_successfully becomes a Job: its container as the task, retries from restart, what a run has no use for warned', () => {
    const job = (extra: string[]) =>
      convert(
        [
          'services:',
          '  app: {image: x, depends_on: {migrate: {condition: service_completed_successfully}}}',
          '  db: {image: x}',
          '  migrate:',
          '    image: lb-test/busybox:latest',
          '    command: ["sh", "-c", "echo migrated"]',
          '    environment: {DB: db}',
          '    labels: {app: shop}',
          ...extra,
        ].join('\n'),
      );
    const { manifests, warnings } = job([
      '    restart: on-failure',
      '    ports: ["8080:80"]',
      '    expose: ["9000"]',
      '    healthcheck: {test: ["CMD", "true"]}',
      '    depends_on: {db: {condition: service_healthy}}',
      '    deploy: {replicas: 2, resources: {limits: {memory: 64m}}}',
    ]);
    expectValid(manifests);
    expect(byName(manifests, 'Job', 'migrate')).toEqual({
      kind: 'Job',
      version: 'v1',
      meta: { name: 'migrate', labels: { app: 'shop' } },
      spec: {
        task: {
          template: {
            containers: [
              {
                name: 'migrate',
                image: { name: 'lb-test/busybox:latest' },
                args: ['sh', '-c', 'echo migrated'],
                env: [{ name: 'DB', value: 'db' }],
                resources: { limits: { ram: '64mib' } },
              },
            ],
          },
          retries: 3,
        },
      },
    });
    expect(warnings).toEqual([
      "service migrate: `ports` is not supported (ignored): a job's task serves no port",
      "service migrate: `expose` is not supported (ignored): a job's task serves no port",
      'service migrate: `healthcheck` is not supported (ignored): a task is done when its container exits 0',
      'service migrate: `depends_on` is not supported (ignored): a job waits for nothing: its task starts when applied (a restart policy retries it while what it needs starts)',
      'service migrate: `deploy.replicas` is not supported (ignored): a job runs one task',
    ]);
    const retries = (restart: string[]) => (byName(job(restart).manifests, 'Job', 'migrate').spec.task as { retries: number }).retries;
    expect(retries([])).toBe(0);
    expect(retries(['    restart: "no"'])).toBe(0);
    expect(retries(['    restart: on-failure:5'])).toBe(5);
    expect(retries(['    deploy: {restart_policy: {condition: on-failure, max_attempts: 2}}'])).toBe(2);
    expect(retries(['    deploy: {restart_policy: {condition: none}}'])).toBe(0);
    const always = job(['    restart: always']);
    expect((byName(always.manifests, 'Job', 'migrate').spec.task as { retries: number }).retries).toBe(3);
    expect(always.warnings).toEqual(['service migrate: runs as a Job: restart always retries a failed task 3 times (one that succeeded is done)']);
  });

  it('ports: short forms, ranges, host addresses (warned), udp, named long form; expose', () => {
    const { manifests, warnings } = convert(
      [
        'services:',
        '  app:',
        '    image: x',
        '    ports: [3000, "8080:80", "127.0.0.1:9000:9000", "53:53/udp", "7000-7001:8000-8001", {target: 443, published: "8443", name: https}]',
        '    expose: ["3000", "5000/udp"]',
      ].join('\n'),
    );
    expect(byName(manifests, 'Service', 'app').spec.network).toEqual({
      ports: ['3000:3000/tcp', '8080:80/tcp', '9000:9000/tcp', '53:53/udp', '7000:8000/tcp', '7001:8001/tcp', 'https=8443:443/tcp', '5000:5000/udp'],
    });
    expect(warnings).toEqual(["service app: `ports host address 127.0.0.1` is not supported (ignored): the port is on the service's VIP"]);
  });

  it('environment: list and map, names taken from the environment, then .env, or left out; env_file optional', () => {
    const { manifests } = convert(
      'services:\n  app:\n    image: x\n    env_file: [{path: ./none.env, required: false}, ./a.env]\n    environment: {A: "2", N: 3, FROM_SHELL: null, FROM_DOTENV: null, GONE: ~, B: true}\n',
      { files: { 'a.env': 'A=1\nKEEP=k\n', '.env': 'FROM_DOTENV=d\nFROM_SHELL=not-this\n' }, env: { FROM_SHELL: 'sh' } },
    );
    expect(container(byName(manifests, 'Service', 'app')).env).toEqual([
      { name: 'A', value: '2' },
      { name: 'KEEP', value: 'k' },
      { name: 'N', value: '3' },
      { name: 'FROM_SHELL', value: 'sh' },
      { name: 'FROM_DOTENV', value: 'd' },
      { name: 'B', value: 'true' },
    ]);
  });

  it('healthcheck: disable, NONE and no test give no probe; restart no and on-failure:N; deploy.resources', () => {
    const { manifests, warnings } = convert(
      [
        'services:',
        '  a: {image: x, healthcheck: {disable: true, test: "true"}, restart: "no"}',
        '  b: {image: x, healthcheck: {test: [NONE]}, restart: "on-failure:2", cpus: 2, mem_reservation: 1g}',
        '  c: {image: x, healthcheck: {interval: 1m30s, start_interval: 1s, test: "exit 0", retries: 0}}',
        '  d: {image: x, healthcheck: {interval: 5s}, deploy: {mode: global, resources: {limits: {pids: 10}}}}',
      ].join('\n'),
    );
    expectValid(manifests);
    expect(container(byName(manifests, 'Service', 'a'))).toEqual({ name: 'a', image: { name: 'x' }, restart: { policy: 'never' } });
    expect(container(byName(manifests, 'Service', 'b'))).toEqual({
      name: 'b',
      image: { name: 'x' },
      restart: { policy: 'on-failure', attempts: 2 },
      resources: { limits: { cpu: 2 }, requests: { ram: '1024mib' } },
    });
    expect(container(byName(manifests, 'Service', 'c')).readiness).toEqual({ exec: { command: ['/bin/sh', '-c', 'exit 0'] }, period: 90, timeout: 30, failure_threshold: 1 });
    expect(container(byName(manifests, 'Service', 'd')).readiness).toBeUndefined();
    expect(warnings).toEqual([
      'service c: `healthcheck.start_interval` is not supported (ignored)',
      'service d: `deploy.resources.limits.pids` is not supported (ignored)',
      "service d: `healthcheck` is not supported (ignored): without test the image's HEALTHCHECK would run, which is not read here: no readiness probe",
      'service d: `deploy.mode: global` is not supported (ignored): services run as replicated',
    ]);
  });

  it('renames services that are not platform names, and external volumes, secrets and configs are referenced', () => {
    const { manifests, warnings } = convert(
      [
        'services:',
        '  My_App:',
        '    image: x',
        '    user: "1000"',
        '    read_only: true',
        '    working_dir: /srv',
        '    pull_policy: always',
        '    volumes: ["shared:/data:ro", {type: volume, source: cache, target: /cache, volume: {subpath: app}}, {type: tmpfs, target: /tmp}]',
        '    secrets: [{source: tls, target: certs/tls.pem}, ext]',
        'volumes:',
        '  shared: {external: true}',
        '  cache: {driver: local}',
        'secrets:',
        '  tls: {environment: TLS_PEM}',
        '  ext: {external: true, name: prod-secret}',
      ].join('\n'),
      { env: { TLS_PEM: 'pem' } },
    );
    expectValid(manifests);
    expect(manifests.map((m) => `${m.kind}/${m.meta.name}`)).toEqual(['Volume/cache', 'Secret/my-app-run-secrets-certs', 'Service/my-app']);
    const app = byName(manifests, 'Service', 'my-app');
    expect(container(app)).toMatchObject({
      name: 'my-app',
      image: { name: 'x', policy: 'always' },
      workdir: '/srv',
      security: { run_as_user: 1000, read_only_root_fs: true },
      volumes: [
        { name: 'shared', path: '/data', readonly: true },
        { name: 'cache', path: '/cache', sub_path: 'app' },
        { name: 'secret-prod-secret', path: '/run/secrets/ext' },
        { name: 'secret-run-secrets-certs', path: '/run/secrets/certs' },
      ],
    });
    expect(byName(manifests, 'Secret', 'my-app-run-secrets-certs').spec).toEqual({ type: 'opaque', data: { 'tls.pem': 'pem' } });
    expect(warnings).toEqual([
      'service My_App: named my-app here (names are lowercase letters, digits and -): other services reach it as my-app',
      '`volumes.cache.driver` is not supported (ignored): a volume here is a directory on the node that holds it',
      "service My_App: `volumes tmpfs /tmp` is not supported (ignored): the path stays in the container's writable layer",
      'service My_App: secret ext is external: mounted as a directory at /run/secrets/ext, holding its keys as files',
    ]);
  });

  it('leaves out services in a profile, as compose does without --profile', () => {
    const { manifests, warnings } = convert('services:\n  app: {image: x, depends_on: [debug]}\n  debug: {image: x, profiles: [dev]}\n');
    expect(manifests.map((m) => `${m.kind}/${m.meta.name}`)).toEqual(['Service/app']);
    expect(byName(manifests, 'Service', 'app').spec.depends_on).toBeUndefined();
    expect(warnings).toEqual([
      'service debug: in profiles dev: not deployed (as compose does without --profile)',
      'service app: depends on debug, which is not deployed (a profile): the dependency is left out',
    ]);
  });

  it('warns about top-level keys it does not take, once, and about unset variables', () => {
    const { warnings } = convert('version: "3"\ninclude: [other.yaml]\nx-any: {a: 1}\nservices:\n  app: {image: "x${TAG}"}\n');
    expect(warnings).toEqual(['`include` is not supported (ignored)', 'variable TAG is not set: it is taken as ""']);
  });
});

describe('compose: checking what a file becomes', () => {
  it("names a converted manifest's problems by the manifest", () => {
    const { manifests } = convert('services:\n  app: {image: x, cap_add: ["not a cap"]}\n');
    let err: unknown;
    try {
      validateManifests(manifests);
    } catch (e) {
      err = renameFields(e, manifests, 'compose.yaml');
    }
    expect(String(err)).toMatch(/compose\.yaml: what it becomes is not valid here: service\/app\.spec\.template\.containers\.0\.security\.capabilities\.add\.0: must be a capability name/);
  });
});

describe('compose: telling a compose file', () => {
  it('by its name or by a services: mapping without kind:', () => {
    expect(isCompose({ name: 'docker-compose.yml', text: '' })).toBe(true);
    expect(isCompose({ name: 'deploy/compose.prod.yaml', text: '' })).toBe(true);
    expect(isCompose({ name: '<stdin>', text: 'services:\n  a: {image: x}\n' })).toBe(true);
    expect(isCompose({ name: 'app.yaml', text: 'x: &a {image: x}\nservices:\n  a: *a\n' })).toBe(true);
    expect(isCompose({ name: 'app.yaml', text: 'kind: Service\nservices: {}\n' })).toBe(false);
    expect(isCompose({ name: 'app.yaml', text: 'kind: Service\n---\nkind: Config\n' })).toBe(false);
    expect(isCompose({ name: 'app.yaml', text: 'services: [' })).toBe(false);
    // Manifests in a file named like a compose file stay manifests; a broken compose file is still one (its error is compose's).
    expect(isCompose({ name: 'compose.yaml', text: 'kind: Service\nmeta: {name: a}\n' })).toBe(false);
    expect(isCompose({ name: 'compose.yaml', text: 'services: [' })).toBe(true);
  });
});
