// Hook plugins named in the config tap the kernel's hooks: one vetoes pods, one adjusts container specs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TEST_DEFAULTS, TestServer, docker, uniq, waitFor, webService } from './harness';

describe('hook plugins', () => {
  let dir: string;
  let s: TestServer;
  const ns = uniq('hooks');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-hooks-'));
    // Installed where the kernel looks for packages (<data dir>/drivers), with the hook plugin manifest.
    const d = join(dir, 'data', 'drivers', 'node_modules', 'lb-policy-plugin');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'package.json'), JSON.stringify({ name: 'lb-policy-plugin', version: '1.0.0', main: 'index.js', lastbackend: { kind: ['plugin'], api: '1' } }));
    // Written as a third party would without the SDK at hand: branded like definePlugin does.
    writeFileSync(
      join(d, 'index.js'),
      `module.exports = { [Symbol.for('io.lastbackend.plugin')]: true, name: 'policy', apply(hooks) {
         hooks.beforePodCreate.tapPromise('policy', async (pod) => pod.meta.labels.forbidden === 'yes' ? 'label forbidden=yes is not allowed here' : undefined);
         hooks.podSpec.tapPromise('policy', async (spec, pod) => ({ ...spec, labels: { ...spec.labels, 'example.com/audited': pod.meta.service } }));
       } };`,
    );
    const cfg = join(dir, 'config.yaml');
    writeFileSync(cfg, stringify({ ...TEST_DEFAULTS, plugins: ['lb-policy-plugin'] }));
    s = await TestServer.start({ config: cfg, dataDir: join(dir, 'data') });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(async () => {
    await s?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adjusts container specs through podSpec', async () => {
    await s.client.createService(ns, webService('fine', 1));
    const [p] = await waitFor(() => s.pods(ns, 'fine'), (ps) => ps[0]?.status.state === 'ready', 'pod ready');
    const [id] = s.containers({ 'io.lastbackend.pod': p.meta.name });
    expect(docker(['inspect', '--format', '{{index .Config.Labels "example.com/audited"}}', id])).toBe('fine');
  });

  it('vetoes a pod through beforePodCreate, with the reason in its status', async () => {
    const m = webService('nope', 1);
    (m.meta.labels as Record<string, string>) = { app: 'nope', forbidden: 'yes' };
    await s.client.createService(ns, m);
    const [p] = await waitFor(() => s.pods(ns, 'nope'), (ps) => ps[0]?.status.state === 'error', 'pod vetoed');
    expect(p.status.message).toBe('vetoed: label forbidden=yes is not allowed here');
    expect(s.containers({ 'io.lastbackend.pod': p.meta.name })).toEqual([]);
  });
});
