// Runs the ORIGINAL Last.Backend CLI (lastbackend/cli, built outside this repository) through the
// recording proxy against a running `lb server`, and writes one fixture per command into
// test/contract/fixtures/original-cli/: the command line, its exit code and output, and every HTTP
// exchange it made. Re-record after a wire-format change to see what the original client now gets.
//
//   node record-original-cli.js --cli /work/orig/lb-orig --target https://127.0.0.1:PORT [--ca CA.pem] \
//     --token-file FILE --node NODE_NAME --image lb-test/busybox --out test/contract/fixtures/original-cli
//
// The CLI gets a HOME of its own (it keeps its token and cluster list in ~/.lastbackend) and talks
// plain HTTP to the proxy, which speaks HTTPS to the server.
import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDACTED, startProxy, type Exchange } from './record-proxy';

export interface CommandFixture {
  /** The command as a user types it (`lb` is the original CLI). */
  command: string;
  args: string[];
  /** Files the command reads (-f), by the name used in args. */
  files?: Record<string, string>;
  /** "METHOD path" of the objects made with this project's API before the command (not the original's requests). */
  seeded?: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  exchanges: Exchange[];
}

/** A request in THIS project's own API shape, sent straight to the server (not recorded). */
export interface Seed {
  method: 'POST' | 'PUT';
  path: string;
  body: unknown;
}

export interface Step {
  /** The fixture's file name (without .json). */
  id: string;
  args: string[];
  files?: Record<string, string>;
  /**
   * Objects made with this project's own API before the command runs, so that a command whose
   * original create step failed still meets an object (and its answer shows our view of it).
   */
  seed?: Seed[];
  /** A path of this project's API to poll (not recorded) until it answers a non-empty body, before the command. */
  waitFor?: string;
}

const NS = 'oracle';
const OUTPUT_LIMIT = 4000;

/** The recorded commands in order, with what each seeds (exported: the replay test seeds the same). */
export function steps(node: string, image: string): Step[] {
  const apply = [
    `kind: Config\nversion: v1\nmeta:\n  name: web-conf\nspec:\n  type: text\n  data:\n    index.html: hello\n`,
    `kind: Secret\nversion: v1\nmeta:\n  name: web-secret\nspec:\n  type: opaque\n  data:\n    password: c2VjcmV0\n`,
    `kind: Volume\nversion: v1\nmeta:\n  name: web-data\nspec:\n  type: dir\n`,
    [
      'kind: Service',
      'version: v1',
      'meta:',
      '  name: web',
      '  description: served by busybox httpd',
      'spec:',
      '  replicas: 1',
      '  network:',
      '    ports: ["80:8080/tcp"]',
      '  template:',
      '    containers:',
      '    - name: httpd',
      '      image:',
      `        name: ${image}`,
      '      command: httpd -f -p 8080 -h /www',
      '      env:',
      '      - name: GREETING',
      '        value: hello',
      '      resources:',
      '        quota:',
      '          ram: 64MB',
      '',
    ].join('\n'),
    `kind: Route\nversion: v1\nmeta:\n  name: web\nspec:\n  port: 80\n  rules:\n    - service: web\n      path: "/"\n      port: 80\n`,
  ].join('---\n');
  const ours = (kind: string, name: string, spec: unknown) => ({ kind, version: 'v1', meta: { name }, spec });
  const create = (kind: string, name: string, spec: unknown): Seed => ({ method: 'POST', path: `/namespace/${NS}/${kind.toLowerCase()}`, body: ours(kind, name, spec) });
  const web = ours('Service', 'web', {
    replicas: 1,
    network: { ports: ['80:8080/tcp'] },
    template: {
      containers: [
        {
          name: 'httpd',
          image: { name: image, policy: 'if-not-present' },
          command: ['sh', '-c', 'echo hello from web; exec httpd -f -p 8080 -h /www'],
          resources: { limits: { ram: '64mib' } },
        },
      ],
    },
  });
  return [
    { id: 'namespace-create', args: ['namespace', 'create', NS, '--desc', 'recorded by the oracle'] },
    { id: 'namespace-ls', args: ['namespace', 'ls'] },
    { id: 'namespace-inspect', args: ['namespace', 'inspect', NS], seed: [{ method: 'POST', path: '/namespace', body: { kind: 'Namespace', version: 'v1', meta: { name: NS } } }] },
    { id: 'namespace-update', args: ['namespace', 'update', NS, '--desc', 'updated by the oracle'] },
    { id: 'namespace-apply', args: ['namespace', 'apply', NS, '-f', 'web.yml'], files: { 'web.yml': apply } },
    { id: 'service-create', args: ['service', 'create', `${NS}/second`, image, '--desc', 'second service', '-m', '64mib'] },
    {
      id: 'service-ls',
      args: ['service', 'ls', NS],
      seed: [
        {
          method: 'POST',
          path: `/namespace/${NS}/apply`,
          body: {
            manifests: [
              ours('Config', 'web-conf', { data: { 'index.html': 'hello' } }),
              ours('Secret', 'web-secret', { type: 'opaque', data: { password: 'c2VjcmV0' } }),
              ours('Volume', 'web-data', {}),
              web,
              ours('Route', 'web', { port: 80, rules: [{ service: 'web', path: '/', port: 80 }] }),
            ],
          },
        },
      ],
    },
    { id: 'service-inspect', args: ['service', 'inspect', `${NS}/web`] },
    { id: 'service-update', args: ['service', 'update', `${NS}/web`, '--desc', 'updated by the oracle'] },
    // The original CLI has no `service scale`: replicas are set with `service update -r N`.
    { id: 'service-scale', args: ['service', 'update', `${NS}/web`, '-r', '2'] },
    { id: 'service-logs', args: ['service', 'logs', `${NS}/web`], waitFor: `/namespace/${NS}/service/web/logs` },
    { id: 'cluster-inspect', args: ['cluster', 'inspect'] },
    { id: 'node-ls', args: ['node', 'ls'] },
    { id: 'node-inspect', args: ['node', 'inspect', node] },
    { id: 'route-create', args: ['route', 'create', NS, 'extra', 'web:80'] },
    { id: 'route-ls', args: ['route', 'ls', NS] },
    { id: 'route-inspect', args: ['route', 'inspect', NS, 'extra'], seed: [create('Route', 'extra', { port: 80, rules: [{ service: 'web', path: '/', port: 80 }] })] },
    { id: 'route-update', args: ['route', 'update', NS, 'extra', 'extra.lb.local', '80'] },
    { id: 'route-remove', args: ['route', 'remove', NS, 'extra'] },
    { id: 'secret-create', args: ['secret', 'create', NS, 'creds', '-t', 'user=admin'] },
    { id: 'secret-ls', args: ['secret', 'ls', NS], seed: [create('Secret', 'creds', { type: 'opaque', data: { user: 'YWRtaW4=' } })] },
    { id: 'secret-inspect', args: ['secret', 'inspect', NS, 'creds'] },
    { id: 'secret-update', args: ['secret', 'update', NS, 'creds', '-t', 'user=root'] },
    { id: 'secret-remove', args: ['secret', 'remove', NS, 'creds'] },
    { id: 'config-create', args: ['config', 'create', NS, 'settings', '-t', 'mode=fast'] },
    { id: 'config-ls', args: ['config', 'ls', NS], seed: [create('Config', 'settings', { data: { mode: 'fast' } })] },
    { id: 'config-inspect', args: ['config', 'inspect', NS, 'settings'] },
    { id: 'config-update', args: ['config', 'update', NS, 'settings', '-t', 'mode=slow'] },
    { id: 'config-remove', args: ['config', 'remove', NS, 'settings'] },
    { id: 'volume-create', args: ['volume', 'create', NS, 'store', '--desc', 'a volume', '-t', 'dir'] },
    { id: 'volume-ls', args: ['volume', 'ls', NS], seed: [create('Volume', 'store', {})] },
    { id: 'volume-inspect', args: ['volume', 'inspect', NS, 'store'] },
    { id: 'volume-update', args: ['volume', 'update', NS, 'store', '--desc', 'still a volume'] },
    { id: 'volume-remove', args: ['volume', 'remove', NS, 'store'] },
    { id: 'ingress-ls', args: ['ingress', 'ls'] },
    { id: 'service-remove', args: ['service', 'remove', NS, 'web'] },
    { id: 'namespace-remove', args: ['namespace', 'remove', NS] },
  ];
}

function run(cli: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cli, args, { env, cwd, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Sends a seed request straight to the server; a conflict (it exists: the original's create worked) is fine. */
function seed(target: URL, ca: Buffer | undefined, token: string, req: Seed): Promise<string> {
  const body = JSON.stringify(req.body);
  return new Promise((resolve, reject) => {
    const r = (target.protocol === 'https:' ? https : http).request(
      { hostname: target.hostname, port: target.port, method: req.method, path: req.path, ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status < 300 || status === 409) resolve(`${req.method} ${req.path} ${status}`);
          else reject(new Error(`seed ${req.method} ${req.path}: ${status} ${Buffer.concat(chunks).toString('utf8')}`));
        });
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

/** Polls a GET of this project's API until its body is not empty (e.g. a pod has written a log line). */
async function waitFor(target: URL, ca: Buffer | undefined, token: string, path: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const body = await new Promise<string>((resolve) => {
      const r = (target.protocol === 'https:' ? https : http).get({ hostname: target.hostname, port: target.port, path, ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString('utf8').trim() : ''));
      });
      r.on('error', () => resolve(''));
    });
    if (body) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`waited ${timeoutMs} ms for ${path}`);
}

function truncate(text: string): string {
  return text.length > OUTPUT_LIMIT ? `${text.slice(0, OUTPUT_LIMIT)}…[${text.length - OUTPUT_LIMIT} more chars]` : text;
}

function arg(argv: string[], flag: string): string {
  const i = argv.indexOf(flag);
  const v = i >= 0 ? argv[i + 1] : undefined;
  if (!v) throw new Error(`missing ${flag}`);
  return v;
}

async function main(argv: string[]): Promise<void> {
  const cli = arg(argv, '--cli');
  const target = new URL(arg(argv, '--target'));
  const token = readFileSync(arg(argv, '--token-file'), 'utf8').trim();
  const out = arg(argv, '--out');
  const ca = argv.includes('--ca') ? readFileSync(arg(argv, '--ca')) : undefined;
  const node = arg(argv, '--node');
  const image = arg(argv, '--image');
  mkdirSync(out, { recursive: true });

  let current: Exchange[] = [];
  const proxy = startProxy({ listen: { host: '127.0.0.1', port: 0 }, target, ca, onExchange: (e) => current.push(e) });
  await new Promise<void>((resolve) => proxy.once('listening', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  const home = mkdtempSync(join(tmpdir(), 'orig-cli-home-'));
  const work = mkdtempSync(join(tmpdir(), 'orig-cli-work-'));
  const env = { PATH: process.env.PATH, HOME: home };
  try {
    mkdirSync(join(home, '.lastbackend'), { recursive: true });
    writeFileSync(join(home, '.lastbackend', 'token'), token);
    for (const setup of [['cluster', 'add', 'oracle', endpoint, '--local'], ['cluster', 'select', 'oracle', '--local']]) {
      const r = await run(cli, setup, env, work);
      if (r.code !== 0) throw new Error(`lb ${setup.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    // Whatever the server echoes of the token or the proxy's port is not a fact about the wire format.
    const scrub = (text: string): string => text.split(token).join(REDACTED).split(endpoint).join('http://127.0.0.1:PROXY');
    for (const step of steps(node, image)) {
      for (const [name, text] of Object.entries(step.files ?? {})) writeFileSync(join(work, name), text);
      const seeded: string[] = [];
      for (const req of step.seed ?? []) seeded.push(await seed(target, ca, token, req));
      if (step.waitFor) await waitFor(target, ca, token, step.waitFor);
      current = [];
      const r = await run(cli, step.args, env, work);
      const fixture: CommandFixture = {
        command: `lb ${step.args.map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ')}`,
        args: step.args,
        ...(step.files ? { files: step.files } : {}),
        ...(seeded.length ? { seeded: seeded.map((line) => line.replace(/ \d+$/, '')) } : {}),
        exitCode: r.code,
        stdout: truncate(r.stdout),
        stderr: truncate(r.stderr),
        exchanges: current,
      };
      writeFileSync(join(out, `${step.id}.json`), scrub(JSON.stringify(fixture, null, 2)) + '\n');
      process.stdout.write(`${seeded.length ? `[seeded: ${seeded.join('; ')}] ` : ''}${step.id}: exit ${r.code}, ${current.length} exchange(s)${current.map((e) => ` ${e.method} ${e.path} ${e.status}`).join(',')}\n`);
    }
  } finally {
    proxy.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
