// Hot swap of a driver, by API (`lb driver set`) and by editing the config file: the new driver is
// loaded, probed and switched in while workloads keep running; a swap that cannot work leaves the
// running driver in place and says why.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { IMAGE, TEST_DEFAULTS, TestServer, docker, readyPods, uniq, waitFor } from './harness';

const withVolume = (name: string, volume: string) => ({
  kind: 'Service',
  meta: { name },
  spec: {
    replicas: 1,
    template: {
      volumes: [{ name: 'd', volume: { name: volume } }],
      containers: [{ name: 'c', image: { name: IMAGE }, command: ['sh', '-c', 'echo hi > /data/f; exec sleep 3600'], volumes: [{ name: 'd', path: '/data' }] }],
    },
  },
});

describe('driver hot swap', () => {
  let s: TestServer;
  let dir: string;
  let cfg: string;
  const ns = uniq('swap');
  const writeConfig = (root: string) =>
    writeFileSync(cfg, stringify({ ...TEST_DEFAULTS, drivers: { ...TEST_DEFAULTS.drivers, csi: { package: '@lastbackend/driver-hostdir', config: { root } } } }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-swap-'));
    cfg = join(dir, 'config.yaml');
    writeConfig(join(dir, 'a'));
    s = await TestServer.start({ config: cfg });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(async () => {
    await s?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const runWithVolume = async (svc: string, vol: string) => {
    await s.client.create('volume', ns, { kind: 'Volume', meta: { name: vol }, spec: {} });
    await s.client.createService(ns, withVolume(svc, vol));
    const [p] = await waitFor(() => s.pods(ns, svc), (ps) => readyPods(ps).length === 1, `${svc} ready`);
    return p;
  };

  it('refuses swaps that cannot work, keeping the running driver', async () => {
    const cases: [string[], RegExp][] = [
      [['csi', '@lastbackend/driver-nope'], /swap of csi to @lastbackend\/driver-nope refused: .*not installed.*driver-hostdir stays/],
      [['csi', '@lastbackend/driver-docker'], /is a cri\/cii driver, not a csi driver/],
      [['csi', '@lastbackend/driver-hostdir', '--config', '{"bogus":1}'], /drivers\.csi\.config\.bogus: unknown field/],
    ];
    for (const [args, why] of cases) {
      const r = await s.lb(['driver', 'set', ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(why);
    }
    // Several kinds at once are all or none: the csi part would load, the cpi part cannot, so the csi
    // driver is not swapped either (a swap through the API would be on record).
    const group = await s.lb(['driver', 'set', 'csi,cpi', '@lastbackend/driver-hostdir', '--config', JSON.stringify({ root: join(dir, 'z') })]);
    expect(group.code).not.toBe(0);
    expect(group.stderr).toMatch(/swap of cpi to @lastbackend\/driver-hostdir refused: .*not a cpi driver/);
    expect(existsSync(join(s.dataDir, 'drivers-state', 'driver-journal.json'))).toBe(false);
    const ls = await s.lb(['driver', 'ls']);
    expect(ls.stdout).toMatch(/csi\s+@lastbackend\/driver-hostdir\s+\S+\s+in-process\s+ready/);
  });

  it('swaps through the API and through the config file; running containers are not restarted', async () => {
    const first = await runWithVolume('one', 'v1');
    expect(existsSync(join(dir, 'a', ns, 'v1'))).toBe(true);
    const [id] = s.containers({ 'io.lastbackend.pod': first.meta.name });
    const started = docker(['inspect', '--format', '{{.State.StartedAt}}', id]);

    const r = await s.lb(['driver', 'set', 'csi', '@lastbackend/driver-hostdir', '--config', JSON.stringify({ root: join(dir, 'b') })]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/csi driver is @lastbackend\/driver-hostdir@\S+ \(ready\)/);
    await runWithVolume('two', 'v2');
    expect(existsSync(join(dir, 'b', ns, 'v2'))).toBe(true);

    writeConfig(join(dir, 'c'));
    // the kernel watches its config file; a new volume lands under the new root once it swapped
    await waitFor(
      async () => {
        const name = uniq('v');
        await s.client.create('volume', ns, { kind: 'Volume', meta: { name }, spec: {} });
        await s.client.createService(ns, withVolume(`s-${name}`, name));
        await waitFor(() => s.pods(ns, `s-${name}`), (ps) => readyPods(ps).length === 1, 'ready');
        return existsSync(join(dir, 'c', ns, name));
      },
      (ok) => ok,
      'a volume under the root from the edited config',
      30_000,
    );
    // nothing was restarted by either swap
    expect(docker(['inspect', '--format', '{{.State.StartedAt}}', id])).toBe(started);
    expect(s.containers({ 'io.lastbackend.pod': first.meta.name })).toEqual([id]);
  });
});
