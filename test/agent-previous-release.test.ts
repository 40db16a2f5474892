// Upgrades node by node: today's `lb server` works with the previous release's agent. The agent comes from
// the release's packed tarball (test/fixtures/release-<version>-agent.tgz, made by `npm run pack:release`),
// unpacked into a directory inside this checkout: the old @lastbackend packages resolve each other first
// (node_modules/@lastbackend beside them), every third-party package from the checkout's node_modules.
// A preload script records each file the old agent loads, to show none of today's packages ran in it. At
// the end the node is upgraded in place (today's agent on the same data dir), as README's Upgrades says.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Pod } from '@lastbackend/sdk';
import { IMAGE, ROOT, TestAgent, TestServer, docker, readyPods, uniq, waitFor } from './harness';

const FIXTURES = join(ROOT, 'test', 'fixtures');
/** The newest packed release: the one before this checkout's (versions compare numerically). */
const semver = (v: string) => (/^(\d+)\.(\d+)\.(\d+)$/.exec(v) ?? []).slice(1).map(Number);
const compare = (a: string, b: string) => semver(a).reduce((d, x, i) => d || x - semver(b)[i]!, 0);
const TARBALL = (() => {
  const version = (f: string) => /^release-(\d+\.\d+\.\d+)-agent\.tgz$/.exec(f)?.[1];
  const all = readdirSync(FIXTURES).flatMap((f) => (version(f) ? [version(f)!] : [])).sort(compare);
  return join(FIXTURES, `release-${all[all.length - 1]}-agent.tgz`);
})();
const CURRENT: string = (JSON.parse(readFileSync(join(ROOT, 'core', 'package.json'), 'utf8')) as { version: string }).version;
const MARKER = 'hello-from-the-previous-agent';

/** Records every module file the process loads (appended synchronously: the agent may be killed). */
const TRACER = `
const fs = require('node:fs'), Module = require('node:module');
const out = process.env.LB_LOAD_TRACE;
for (const ext of ['.js', '.json']) {
  const load = Module._extensions[ext];
  Module._extensions[ext] = function (m, filename) { fs.appendFileSync(out, filename + '\\n'); return load.call(this, m, filename); };
}
`;

describe('an agent of the previous release against this server', () => {
  let s: TestServer;
  let agent: TestAgent;
  let dir: string;
  let release: { version: string; commit: string; packages: string[] };
  let trace: string;
  const ns = uniq('prev');
  const old = (pkg: string) => join(dir, 'node_modules', '@lastbackend', pkg);

  beforeAll(async () => {
    // Inside the checkout, so that node finds the checkout's node_modules by walking up from it.
    mkdirSync(join(ROOT, 'test', '.tmp'), { recursive: true });
    dir = mkdtempSync(join(ROOT, 'test', '.tmp', 'release-'));
    execFileSync('tar', ['-xzf', TARBALL, '-C', dir]);
    release = JSON.parse(readFileSync(join(dir, 'RELEASE.json'), 'utf8')) as typeof release;
    trace = join(dir, 'loaded.txt');
    writeFileSync(join(dir, 'trace.js'), TRACER);

    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    const r = await s.lb(['token', 'create', '--role', 'node']);
    expect(r.code).toBe(0);
    agent = await TestAgent.start({
      server: s,
      joinToken: r.stdout.trim(),
      name: uniq('prev-node'),
      bin: join(old('core'), 'bin', 'lb.js'),
      env: { NODE_OPTIONS: `--require ${join(dir, 'trace.js')}`, LB_LOAD_TRACE: trace },
    });
  });
  afterAll(async () => {
    await agent?.cleanup();
    await s?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
    try {
      rmdirSync(join(ROOT, 'test', '.tmp'));
    } catch {
      /* another test's directory is still in it */
    }
  });

  const pods = () => s.pods(ns, 'web');
  const containers = () => agent.containers({ 'io.lastbackend.namespace': ns });

  it('runs the old packages only: no file of this checkout’s @lastbackend packages is loaded', () => {
    const loaded = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
    // The old core, SDK and docker driver really ran...
    for (const pkg of ['core', 'sdk', 'driver-docker']) expect(loaded.some((f) => f.startsWith(old(pkg) + '/dist/'))).toBe(true);
    // ...and nothing of today's (the workspace packages: node resolves their node_modules links to these).
    const today = ['core', 'sdk', 'drivers', 'plugins', 'ui'].map((d) => join(ROOT, d) + '/');
    expect(loaded.filter((f) => today.some((t) => f.startsWith(t)))).toEqual([]);
    // Third-party packages come from the checkout's node_modules.
    expect(loaded.some((f) => f.startsWith(join(ROOT, 'node_modules', 'dockerode') + '/'))).toBe(true);
  });

  it('joins and is ready, showing its own version beside the server’s', async () => {
    // The release before this one (equal until the version is bumped for the next release).
    expect(compare(release.version, CURRENT)).toBeLessThanOrEqual(0);
    expect(release.version).toBe((JSON.parse(readFileSync(join(old('core'), 'package.json'), 'utf8')) as { version: string }).version);
    const n = await s.client.node(agent.node);
    expect(n.status.state).toBe('ready');
    expect(n.status.version).toBe(release.version);
    expect(n.status.drivers.filter((d) => d.state === 'ready').map((d) => d.kind).sort()).toEqual(['cii', 'cri']);
    // The server's own node runs today's agent.
    expect((await s.client.node(s.node)).status.version).toBe(CURRENT);
    const wide = await s.lb(['get', 'nodes', '-o', 'wide']);
    expect(wide.code).toBe(0);
    expect(wide.stdout).toMatch(new RegExp(`${agent.node}\\s.*\\bready\\b.*\\s${release.version.replace(/\./g, '\\.')}\\s`));
    // eslint-disable-next-line no-console
    console.log(`agent ${release.version} (${release.commit.slice(0, 7)}) against server ${CURRENT}`);
  });

  it('drains the old node: its pod moves to the server’s node', async () => {
    await s.client.createService(ns, {
      kind: 'Service',
      version: 'v1',
      meta: { name: 'mv' },
      spec: { replicas: 2, template: { containers: [{ name: 'main', image: { name: IMAGE }, command: ['sleep', '3600'] }] } },
    });
    const spread = await waitFor(() => s.pods(ns, 'mv'), (p) => readyPods(p).length === 2, 'two ready pods');
    expect(spread.map((p) => p.meta.node).sort()).toEqual([agent.node, s.node].sort());
    const d = await s.lb(['node', 'drain', agent.node, '--timeout', '90s']);
    expect(d.code).toBe(0);
    const moved = await waitFor(() => s.pods(ns, 'mv'), (p) => p.length === 2 && readyPods(p).length === 2, 'both pods ready after the drain');
    expect(moved.map((p) => p.meta.node)).toEqual([s.node, s.node]);
    await waitFor(async () => containers().length, (n) => n === 0, 'no container left on the old node');
    expect((await s.lb(['node', 'uncordon', agent.node])).code).toBe(0);
    expect((await s.lb(['delete', 'service', 'mv', '-n', ns])).code).toBe(0);
  });

  it('runs a service pinned to the old node: ready, with its logs', async () => {
    await s.client.createService(ns, {
      kind: 'Service',
      version: 'v1',
      meta: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { node: agent.node },
        network: { ports: ['80:8080/tcp'] },
        template: {
          containers: [
            {
              name: 'web',
              image: { name: IMAGE },
              command: ['sh', '-c', `echo ${MARKER}; exec httpd -f -p 8080 -h /www`],
              readiness: { http: { path: '/', port: 8080 }, period: 1 },
            },
          ],
        },
      },
    });
    const ready = await waitFor(pods, (p) => readyPods(p).length === 1, 'the pod ready on the old node');
    expect(ready[0]!.meta.node).toBe(agent.node);
    expect(containers()).toHaveLength(1);
    const ex = await s.lb(['exec', ready[0]!.meta.name, '-n', ns, '--', 'wget', '-qO-', 'http://127.0.0.1:8080/']);
    expect(ex.stdout).toBe('hello from lb-test\n');
    const logs = await waitFor(() => s.lb(['logs', 'web', '-n', ns]), (r) => r.stdout.includes(MARKER), 'the log line through lb logs');
    expect(logs.code).toBe(0);
  });

  it('scales up and down', async () => {
    const up = await s.lb(['scale', 'web', '3', '-n', ns]);
    expect(up.code).toBe(0);
    const three = readyPods(await pods());
    expect(three.map((p) => p.meta.node)).toEqual([agent.node, agent.node, agent.node]);
    expect(containers()).toHaveLength(3);
    const down = await s.lb(['scale', 'web', '1', '-n', ns]);
    expect(down.code).toBe(0);
    await waitFor(async () => ({ pods: await pods(), ids: containers() }), (x) => x.pods.length === 1 && readyPods(x.pods).length === 1 && x.ids.length === 1, 'one pod and one container left');
  });

  it('restarts and adopts its running container', async () => {
    const [id] = containers();
    const started = docker(['inspect', '--format', '{{.State.StartedAt}}', id!]);
    const pod = (await pods())[0]!.meta.name;
    await agent.stop();
    await agent.launch();
    const after: Pod[] = await waitFor(pods, (p) => readyPods(p).length === 1, 'still ready after the restart');
    expect(after.map((p) => p.meta.name)).toEqual([pod]);
    expect(containers()).toEqual([id]);
    expect(docker(['inspect', '--format', '{{.State.StartedAt}}', id!])).toBe(started);
    expect((await s.client.node(agent.node)).status.version).toBe(release.version);
  });

  it('deletes the service: its pod and container go', async () => {
    const r = await s.lb(['delete', 'service', 'web', '-n', ns]);
    expect(r.code).toBe(0);
    await waitFor(async () => ({ pods: await pods().catch(() => []), ids: containers() }), (x) => x.pods.length === 0 && x.ids.length === 0, 'no pod and no container left');
  });

  it('upgrades in place: today’s agent on the same data dir adopts the old one’s container', async () => {
    await s.client.createService(ns, {
      kind: 'Service',
      version: 'v1',
      meta: { name: 'keep' },
      spec: { replicas: 1, selector: { node: agent.node }, template: { containers: [{ name: 'main', image: { name: IMAGE }, command: ['sleep', '3600'] }] } },
    });
    const before = await waitFor(() => s.pods(ns, 'keep'), (p) => readyPods(p).length === 1, 'the pod ready on the old agent');
    const [id] = containers();
    const started = docker(['inspect', '--format', '{{.State.StartedAt}}', id!]);
    await agent.stop();
    agent.upgradeTo(undefined);
    await agent.launch();
    expect((await s.client.node(agent.node)).status.version).toBe(CURRENT);
    const after = await waitFor(() => s.pods(ns, 'keep'), (p) => readyPods(p).length === 1, 'still ready on the upgraded agent');
    expect(after.map((p) => p.meta.name)).toEqual(before.map((p) => p.meta.name));
    expect(containers()).toEqual([id]);
    expect(docker(['inspect', '--format', '{{.State.StartedAt}}', id!])).toBe(started);
  });
});
