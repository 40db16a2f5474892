// The example hook plugin in examples/plugin-pod-policy, as a user would ship it: built and packed with npm
// (outside the workspaces, the SDK bundled into the tarball), installed from the tarball into a server's
// <data-dir>/drivers, named in the config's `plugins` and loaded by a real `lb server` with
// LB_POLICY_ALLOWED_IMAGES=lb-test/. An allowed app's container carries the plugin's labels; an app whose
// image comes from elsewhere (a local tag, so pulling is not the reason) is vetoed with the plugin's reason.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installTarball, packExample } from './example-package';
import { IMAGE, TEST_DEFAULTS, TestServer, docker, uniq, waitFor } from './harness';

const work = mkdtempSync(join(tmpdir(), 'lb-plugin-example-'));
const dataDir = join(work, 'data');
const installed = join(dataDir, 'drivers', 'node_modules', '@example', 'plugin-pod-policy');
const OTHER_IMAGE = `${uniq('other/thing')}:1`;
const ns = uniq('policy');

let s: TestServer | undefined;

beforeAll(async () => {
  installTarball(packExample('plugin-pod-policy', work), join(dataDir, 'drivers'));
  if (!existsSync(join(installed, 'package.json'))) throw new Error(`the tarball did not install to ${installed}`);

  docker(['tag', IMAGE, OTHER_IMAGE]);
  const config = join(work, 'config.json');
  writeFileSync(config, JSON.stringify({ ...TEST_DEFAULTS, plugins: ['@example/plugin-pod-policy'] }));
  // The server inherits this worker's environment (each jest test file runs in its own process).
  process.env.LB_POLICY_ALLOWED_IMAGES = 'lb-test/';
  s = await TestServer.start({ dataDir, config });
  await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
}, 240_000);

afterAll(async () => {
  await s?.cleanup();
  delete process.env.LB_POLICY_ALLOWED_IMAGES;
  try {
    docker(['rmi', OTHER_IMAGE]); // only the tag: lb-test/busybox stays
  } catch {
    // never tagged (beforeAll failed early)
  }
  rmSync(work, { recursive: true, force: true });
});

describe('example hook plugin @example/plugin-pod-policy', () => {
  it('is loaded from <data-dir>/drivers', () => {
    expect(s!.output()).toContain('hook plugin pod-policy loaded');
  });

  it('labels the containers of an allowed image with the policy and the team (namespace)', async () => {
    const r = await s!.lb(['run', 'allowed', IMAGE, '-n', ns]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [p] = await waitFor(() => s!.pods(ns, 'allowed'), (ps) => ps[0]?.status.state === 'ready', 'allowed pod ready');
    const ids = s!.containers({ 'io.lastbackend.pod': p.meta.name });
    expect(ids).toHaveLength(1);
    const labels = JSON.parse(docker(['inspect', '--format', '{{json .Config.Labels}}', ids[0]])) as Record<string, string>;
    expect(labels).toMatchObject({ 'io.example/policy': 'checked', 'io.example/team': ns });
  });

  it('vetoes a pod whose image is from another registry, with a reason naming the image and the allowed prefixes', async () => {
    // The service is accepted; its pods are vetoed on the node, which ends the rollout it waits for.
    const r = await s!.lb(['run', 'denied', OTHER_IMAGE, '-n', ns]);
    const why = `vetoed: image "${OTHER_IMAGE}" of container denied is not from an allowed registry (allowed prefixes: lb-test/)`;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: rollout of service/denied failed: pod denied-[0-9a-f]{10}: ${why.replace(/[.()"/]/g, '\\$&')}$`, 'm'));
    const [p] = await waitFor(() => s!.pods(ns, 'denied'), (ps) => ps[0]?.status.state === 'error', 'denied pod vetoed');
    expect(p.status.message).toBe(why);
    expect(s!.containers({ 'io.lastbackend.pod': p.meta.name })).toEqual([]);
  });
});
