// A volume cannot reach the host, and secrets do not land on its disk (issue 11):
//  - one container keeps swapping a volume's sub-folder for a symlink to "/" (and back) while containers
//    mounting that sub-folder are started again and again: none of them ever sees the host's root. Before,
//    the driver checked the sub-path and handed the runtime a path string, which the runtime resolved again
//    at every start, so a start that came after a swap mounted the host's "/" read-write;
//  - a mount target such as "/mnt:rshared" is refused at apply, naming the field;
//  - secret and config files lie on a tmpfs of the pod, and are gone from the host with the pod.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountsBelow } from '@lastbackend/driver-hostdir';
import { IMAGE, TestServer, docker, readyPods, uniq, waitFor } from './harness';

const TMPFS_MAGIC = 0x01021994;
/** How long containers mounting the sub-folder are restarted while it is being swapped. */
const RACE_MS = 40_000;

interface DockerMount {
  Source: string;
  Destination: string;
  Type: string;
}
const mountsOf = (id: string): DockerMount[] => JSON.parse(docker(['inspect', '--format', '{{json .Mounts}}', id])) as DockerMount[];

describe('a volume cannot escape to the host', () => {
  let s: TestServer;
  const ns = uniq('escape');
  // A file only the host's root has: whoever sees it at their mount point sees the host's "/".
  const marker = `lb-escape-marker-${randomBytes(6).toString('hex')}`;
  let pods = '';

  beforeAll(async () => {
    writeFileSync(join('/', marker), 'the host root\n');
    s = await TestServer.start();
    pods = join(s.dataDir, 'drivers-state', 'hostdir', '.pods');
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(async () => {
    rmSync(join('/', marker), { force: true });
    if (!s) return;
    await s.cleanup();
    // Nothing stays mounted below the data dir (cleanup stopped the agent, which releases every pod).
    expect(await mountsBelow(s.dataDir)).toEqual([]);
  });

  it('the marker is seen by a container that does mount the host root (the probe can fail)', () => {
    const out = docker(['run', '--rm', '-v', '/:/mnt/sub:ro', IMAGE, 'sh', '-c', `[ -e /mnt/sub/${marker} ] && echo ESCAPED || echo contained`]);
    expect(out).toBe('ESCAPED');
  });

  it('a sub-folder swapped for a symlink to / is never what a restarted container mounts', async () => {
    await s.client.create('volume', ns, { kind: 'Volume', meta: { name: 'shared' }, spec: {} });
    // A: the whole volume; swaps "sub" for a symlink to "/" and back as fast as it can, counting rounds.
    const swap = [
      'mkdir -p /vol/sub; n=0',
      'while :; do',
      '  mv /vol/sub /vol/sub.real 2>/dev/null; ln -s / /vol/sub 2>/dev/null',
      // Written aside and renamed: a read never sees the file truncated mid-write (it once read "" = 0).
      '  n=$((n+1)); [ $((n % 100)) -eq 0 ] && echo $n > /vol/rounds.new && mv /vol/rounds.new /vol/rounds',
      '  rm -f /vol/sub 2>/dev/null; mv /vol/sub.real /vol/sub 2>/dev/null',
      'done',
    ].join('\n');
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'swapper' },
      spec: {
        replicas: 1,
        template: {
          volumes: [{ name: 'd', volume: { name: 'shared' } }],
          containers: [{ name: 'a', image: { name: IMAGE }, command: ['sh', '-c', swap], volumes: [{ name: 'd', path: '/vol' }] }],
        },
      },
    });
    const volume = await waitFor(
      async () => readdirSync(join(s.dataDir, 'drivers-state'), { recursive: true }).map(String).find((f) => f.endsWith(`${ns}/shared`)),
      (f) => f !== undefined && existsSync(join(s.dataDir, 'drivers-state', f, 'rounds')),
      'the swapper running',
    );
    const rounds = () => Number(readFileSync(join(s.dataDir, 'drivers-state', volume!, 'rounds'), 'utf8'));

    // B: containers mounting the sub-folder that look for the marker and exit at once, so the agent starts
    // them again and again (crash-loop back-off: 1, 2, 4, 8, 16 s); the first one holds the pod's network.
    const probe = `echo start; if [ -e /mnt/sub/${marker} ]; then echo ESCAPED; fi; sleep 0.5; exit 1`;
    const tries = ['t1', 't2', 't3', 't4'].map((name) => ({
      name,
      image: { name: IMAGE },
      command: ['sh', '-c', probe],
      volumes: [{ name: 'd', path: '/mnt/sub', sub_path: 'sub' }],
    }));
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'victim' },
      spec: {
        replicas: 2,
        template: {
          volumes: [{ name: 'd', volume: { name: 'shared' } }],
          containers: [{ name: 'hold', image: { name: IMAGE }, command: ['sleep', '3600'] }, ...tries],
        },
      },
    });
    // Their output is read while they run: a container the agent replaces (a start that failed) takes its logs along.
    const seen = new Map<string, string>();
    const victims = () => s.containers({ 'io.lastbackend.service': 'victim' });
    const collect = () => {
      for (const id of victims()) {
        try {
          seen.set(id, execFileSync('docker', ['logs', id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
        } catch {
          // removed meanwhile
        }
      }
    };
    const before = rounds();
    for (const end = Date.now() + RACE_MS; Date.now() < end; ) {
      collect();
      await new Promise((r) => setTimeout(r, 1000));
    }
    collect();
    const swapped = rounds() - before;
    const logs = [...seen.values()].join('');
    const starts = logs.match(/^start$/gm)?.length ?? 0;
    // The attack really ran: hundreds of swaps, and dozens of container starts during them.
    expect(swapped).toBeGreaterThan(200);
    expect(starts).toBeGreaterThanOrEqual(30);
    expect(logs).not.toContain('ESCAPED');
    // What the runtime mounts is the pinned directory in the driver's private dir, not a path into the volume.
    const tried = victims().filter((id) => mountsOf(id).some((m) => m.Destination === '/mnt/sub'));
    expect(tried).toHaveLength(8);
    for (const id of tried) expect(mountsOf(id).find((m) => m.Destination === '/mnt/sub')?.Source.startsWith(`${pods}/${ns}/`)).toBe(true);

    // Removing the pods unmounts what was pinned for them.
    await s.client.deleteService(ns, 'victim');
    await s.client.deleteService(ns, 'swapper');
    await waitFor(() => s.pods(ns), (p) => p.length === 0, 'pods gone');
    await waitFor(() => mountsBelow(pods), (m) => m.length === 0, 'nothing mounted for the pods any more');
  });

  it('refuses a mount target that carries options ("/mnt:rshared"), naming the field, and stores nothing', async () => {
    const manifest = {
      kind: 'Service',
      meta: { name: 'opts' },
      spec: {
        template: {
          volumes: [{ name: 'd', volume: { name: 'shared' } }],
          containers: [{ name: 'c', image: { name: IMAGE }, volumes: [{ name: 'd', path: '/mnt:rshared' }] }],
        },
      },
    };
    const res = await s.fetch(`/namespace/${ns}/service`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(manifest),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: number; reason: string; message: string; fields: { field: string; reason: string }[] };
    expect(body).toMatchObject({ code: 400, status: 'Bad Request', reason: 'INVALID_ARGUMENT' });
    expect(body.fields).toContainEqual({ field: 'spec.template.containers.0.volumes.0.path', reason: expect.stringMatching(/must not contain ":"/) });
    const cli = await s.lb(['apply', '-f', '-', '-n', ns], JSON.stringify(manifest));
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/spec\.template\.containers\.0\.volumes\.0\.path: must not contain ":"/);
    expect((await s.client.services(ns)).map((x) => x.meta.name)).not.toContain('opts');
  });

  it('keeps secret and config files on a tmpfs of the pod, and removes them from the host with the pod', async () => {
    const value = `s3cret-${randomBytes(8).toString('hex')}`;
    await s.client.create('secret', ns, { kind: 'Secret', meta: { name: 'db' }, spec: { data: { password: value } } });
    await s.client.create('config', ns, { kind: 'Config', meta: { name: 'app' }, spec: { data: { 'app.conf': 'mode = test\n' } } });
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'sec' },
      spec: {
        replicas: 1,
        template: {
          volumes: [
            { name: 'sec', secret: { name: 'db' } },
            { name: 'cfg', config: { name: 'app' } },
          ],
          containers: [
            {
              name: 'c',
              image: { name: IMAGE },
              command: ['sleep', '3600'],
              volumes: [
                { name: 'sec', path: '/etc/secret' },
                { name: 'cfg', path: '/etc/app' },
              ],
            },
          ],
        },
      },
    });
    const [pod] = await waitFor(() => s.pods(ns, 'sec'), (p) => readyPods(p).length === 1, 'sec ready');
    expect((await s.client.exec(ns, pod.meta.name, ['cat', '/etc/secret/password'])).stdout).toBe(value);
    const [id] = s.containers({ 'io.lastbackend.pod': pod.meta.name });
    const sources = ['/etc/secret', '/etc/app'].map((d) => mountsOf(id).find((m) => m.Destination === d)?.Source ?? '');
    for (const src of sources) {
      expect(src.startsWith(`${pods}/${ns}/${pod.meta.name}/`)).toBe(true);
      expect(statfsSync(src).type).toBe(TMPFS_MAGIC);
    }
    // The value is nowhere on the node's disk below the data dir (-xdev: the tmpfs is another file system).
    const files = execFileSync('find', [s.dataDir, '-xdev', '-type', 'f'], { encoding: 'utf8' }).trim().split('\n');
    expect(files.filter((f) => readFileSync(f).includes(value))).toEqual([]);

    await s.client.deleteService(ns, 'sec');
    await waitFor(() => s.pods(ns), (p) => !p.some((x) => x.meta.service === 'sec'), 'sec pod gone');
    for (const src of sources) expect(existsSync(src)).toBe(false);
    expect(await mountsBelow(join(pods, ns))).toEqual([]);
  });
});
