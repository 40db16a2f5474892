// The example hook plugin in examples/plugin-pod-policy, as a user would ship it: built and packed with npm
// (outside the workspaces, the SDK bundled into the tarball), installed from the tarball into a server's
// <data-dir>/drivers, named in the config's `plugins` and loaded by a real `lb server` with
// LB_POLICY_ALLOWED_IMAGES=lb-test/. An allowed app's container carries the plugin's labels; an app whose
// image comes from elsewhere (a local tag, so pulling is not the reason) is vetoed with the plugin's reason.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { IMAGE, TEST_DEFAULTS, TestServer, docker, uniq, waitFor } from './harness';

const exampleDir = resolve(__dirname, '..', 'examples', 'plugin-pod-policy');
const work = mkdtempSync(join(tmpdir(), 'lb-plugin-example-'));
const dataDir = join(work, 'data');
const installed = join(dataDir, 'drivers', 'node_modules', '@example', 'plugin-pod-policy');
const OTHER_IMAGE = `${uniq('other/thing')}:1`;
const ns = uniq('policy');

/** npm with the environment of a user's shell: no lifecycle variables of the `npx jest` that runs us. */
function npm(args: string[], cwd: string): string {
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (/^npm_(package_|lifecycle_|command$|config_(local_prefix|prefix|global_prefix|yes)$)/i.test(k)) delete env[k];
  delete env.NODE_ENV; // production would leave out typescript, which the build needs
  try {
    return execFileSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, env, encoding: 'utf8', stdio: 'pipe', timeout: 120_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

let s: TestServer | undefined;

beforeAll(async () => {
  if (!existsSync(join(exampleDir, '..', '..', 'sdk', 'dist', 'index.js'))) throw new Error('build the SDK first (npm run build): the example depends on file:../../sdk');
  npm(['install'], exampleDir);
  npm(['pack', '--pack-destination', work], exampleDir); // prepack builds dist with tsc
  const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack left no tarball in ${work}`);
  npm(['install', '--prefix', join(dataDir, 'drivers'), join(work, tgz)], work);
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
  for (const p of ['node_modules', 'dist', 'package-lock.json']) rmSync(join(exampleDir, p), { recursive: true, force: true });
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
    const r = await s!.lb(['run', 'denied', OTHER_IMAGE, '-n', ns]);
    expect(r.code).toBe(0); // the service is accepted; its pods are vetoed on the node
    const [p] = await waitFor(() => s!.pods(ns, 'denied'), (ps) => ps[0]?.status.state === 'error', 'denied pod vetoed');
    expect(p.status.message).toBe(`vetoed: image "${OTHER_IMAGE}" of container denied is not from an allowed registry (allowed prefixes: lb-test/)`);
    expect(s!.containers({ 'io.lastbackend.pod': p.meta.name })).toEqual([]);
  });
});
