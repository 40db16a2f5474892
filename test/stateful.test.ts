// Stateful services: host-dir volumes whose data outlives pods and versions, secrets and configs as
// env and files (secret values never shown), and the log collector across an agent restart.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '@lastbackend/sdk';
import { IMAGE, LB, TestAgent, TestServer, readyPods, uniq, waitFor } from './harness';

const kv = (version: string) => ({
  kind: 'Service',
  meta: { name: 'kv' },
  spec: {
    replicas: 1,
    template: {
      volumes: [
        { name: 'data', volume: { name: 'kv-data' } },
        { name: 'sec', secret: { name: 'db' } },
      ],
      containers: [
        {
          name: 'kv',
          image: { name: IMAGE },
          command: ['sh', '-c', 'echo "greeting=$GREETING"; exec httpd -f -p 8080 -h /www'],
          env: [
            { name: 'VERSION', value: version },
            { name: 'PASS', secret: { name: 'db', key: 'password' } },
            { name: 'GREETING', config: { name: 'app', key: 'greeting' } },
          ],
          volumes: [
            { name: 'data', path: '/data' },
            { name: 'sec', path: '/etc/secret' },
          ],
        },
      ],
    },
  },
});

describe('volumes, secrets and configs', () => {
  let s: TestServer;
  const ns = uniq('state');

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    await s.client.create('secret', ns, { kind: 'Secret', meta: { name: 'db' }, spec: { data: { password: 'hunter2-s3cret' } } });
    await s.client.create('config', ns, { kind: 'Config', meta: { name: 'app' }, spec: { data: { greeting: 'hello' } } });
    await s.client.create('volume', ns, { kind: 'Volume', meta: { name: 'kv-data' }, spec: {} });
  });
  afterAll(() => s?.cleanup());

  const onlyPod = async (): Promise<Pod> => {
    const [p] = await waitFor(() => s.pods(ns, 'kv'), (ps) => readyPods(ps).length === 1 && ps.length === 1, 'one ready kv pod');
    return p;
  };
  const sh = async (pod: Pod, cmd: string) => (await s.client.exec(ns, pod.meta.name, ['sh', '-c', cmd])).stdout.trim();

  it('gives the container its secret and config as env and files, and never shows the secret', async () => {
    await s.client.createService(ns, kv('1'));
    const p = await onlyPod();
    expect(await sh(p, 'echo "$PASS $GREETING"')).toBe('hunter2-s3cret hello');
    expect(await sh(p, 'cat /etc/secret/password')).toBe('hunter2-s3cret');
    expect(await sh(p, 'touch /etc/secret/x 2>&1 || echo read-only')).toMatch(/read-only/i);
    const shown = await s.lb(['get', 'secret', 'db', '-n', ns, '-o', 'json']);
    expect(shown.stdout).not.toContain('hunter2');
    expect(shown.stdout).toContain('******');
    expect(s.output()).not.toContain('hunter2');
  });

  it('keeps volume data through a blue/green update and a delete/recreate', async () => {
    let p = await onlyPod();
    await sh(p, 'echo written-by-v1 > /data/kv');
    await s.client.updateService(ns, 'kv', { spec: { template: kv('2').spec.template } });
    p = await waitFor(() => onlyPod(), (x) => x.meta.deployment === 'v2', 'v2 pod');
    expect(await sh(p, 'echo $VERSION; cat /data/kv')).toBe('2\nwritten-by-v1');

    // the volume cannot go while a service uses it
    const refused = await s.lb(['delete', 'volume', 'kv-data', '-n', ns]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/used by service "kv"/);

    await s.client.deleteService(ns, 'kv');
    await waitFor(() => s.client.services(ns), (l) => l.length === 0, 'service gone');
    await s.client.createService(ns, kv('3'));
    p = await onlyPod();
    expect(await sh(p, 'cat /data/kv')).toBe('written-by-v1');
    const vol = await s.client.get('volume', ns, 'kv-data');
    expect(vol.status.node).toBe(s.node);
  });

  it('removes a deleted volume\'s data from its node once no service uses it', async () => {
    const dirs = () => readdirSync(join(s.dataDir, 'drivers-state'), { recursive: true }).map(String).filter((f) => f.endsWith(`${ns}/kv-data`));
    expect(dirs().length).toBe(1);
    await s.client.deleteService(ns, 'kv');
    await waitFor(() => s.client.services(ns), (l) => l.length === 0, 'service gone');
    expect((await s.lb(['delete', 'volume', 'kv-data', '-n', ns])).code).toBe(0);
    await waitFor(async () => dirs(), (d) => d.length === 0, 'volume directory removed');
  });

  it('refuses volume names and sub-paths that would escape the root, creating nothing', async () => {
    const root = join(s.dataDir, 'drivers-state');
    const before = existsSync(root) ? readdirSync(root, { recursive: true }).map(String).sort() : [];
    for (const name of ['..', '../etc', 'a/b']) {
      const r = await s.fetch(`/namespace/${ns}/volume`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'Volume', meta: { name }, spec: {} }),
      });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { message: string }).message).toMatch(/meta\.name/);
    }
    const bad = kv('9');
    (bad.spec.template.containers[0].volumes[0] as Record<string, unknown>).sub_path = '../../etc';
    bad.meta.name = 'escape';
    const r = await s.lb(['apply', '-f', '-', '-n', ns], JSON.stringify(bad));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/sub_path: must be a relative path inside the volume/);
    expect(existsSync(root) ? readdirSync(root, { recursive: true }).map(String).sort() : []).toEqual(before);
  });
});

describe('log collector', () => {
  let s: TestServer;
  let agent: TestAgent;
  const ns = uniq('logs');

  beforeAll(async () => {
    s = await TestServer.start({ agent: false });
    agent = await TestAgent.start({ server: s, joinToken: (await s.client.createToken()).token });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(async () => {
    await agent?.cleanup();
    await s?.cleanup();
  });

  it('lb logs -f shows every replica, and an agent restart loses and repeats no line', async () => {
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'talk' },
      spec: {
        replicas: 3,
        template: { containers: [{ name: 'c', image: { name: IMAGE }, command: ['sh', '-c', 'i=0; while [ $i -lt 100 ]; do i=$((i+1)); echo "$(hostname) $i"; sleep 0.1; done; exec sleep 3600'] }] },
      },
    });
    await waitFor(() => s.pods(ns, 'talk'), (p) => readyPods(p).length === 3, 'talk ready');
    const follow = spawn(process.execPath, [LB, 'logs', 'talk', '-f', '-n', ns], { env: { ...process.env, ...s.env } });
    let out = '';
    follow.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const counters = () => {
      const byHost = new Map<string, number[]>();
      for (const m of out.matchAll(/\] (\w{12}) (\d+)$/gm)) byHost.set(m[1], [...(byHost.get(m[1]) ?? []), Number(m[2])]);
      return byHost;
    };
    try {
      await waitFor(async () => counters(), (c) => c.size === 3, 'lines from all three replicas');
      await agent.stop();
      await new Promise((r) => setTimeout(r, 1500)); // the containers keep printing meanwhile
      await agent.launch();
      await waitFor(async () => counters(), (c) => c.size === 3 && [...c.values()].every((v) => v.includes(100)), 'every line to the 100th', 60_000);
    } finally {
      follow.kill('SIGINT');
    }
    for (const [host, seen] of counters()) {
      // each replica's lines arrive once each and in order, with no gap
      expect({ host, seen }).toEqual({ host, seen: Array.from({ length: 100 }, (_, i) => i + 1) });
    }
  });

  it('loses and repeats no line across a server restart', async () => {
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'talk2' },
      spec: {
        replicas: 2,
        template: { containers: [{ name: 'c', image: { name: IMAGE }, command: ['sh', '-c', 'i=0; while [ $i -lt 60 ]; do i=$((i+1)); echo "$(hostname) $i"; sleep 0.1; done; exec sleep 3600'] }] },
      },
    });
    await waitFor(() => s.pods(ns, 'talk2'), (p) => readyPods(p).length === 2, 'talk2 ready');
    await new Promise((r) => setTimeout(r, 1500));
    await s.stop();
    await new Promise((r) => setTimeout(r, 2000)); // lines written meanwhile wait in the agent and the runtime
    await s.launch();
    const counters = (text: string) => {
      const byHost = new Map<string, number[]>();
      for (const m of text.matchAll(/\] (\w{12}) (\d+)$/gm)) byHost.set(m[1], [...(byHost.get(m[1]) ?? []), Number(m[2])]);
      return byHost;
    };
    const logs = await waitFor(
      () => s.lb(['logs', 'talk2', '-n', ns]),
      (r) => { const c = counters(r.stdout); return c.size === 2 && [...c.values()].every((v) => v.length >= 60); },
      'all 60 lines of both replicas',
      60_000,
    );
    for (const [host, seen] of counters(logs.stdout)) expect({ host, seen }).toEqual({ host, seen: Array.from({ length: 60 }, (_, i) => i + 1) });
    // --since and --tail narrow the history
    const future = await s.lb(['logs', 'talk2', '-n', ns, '--since', new Date(Date.now() + 60_000).toISOString()]);
    expect(future.code).toBe(0);
    expect(future.stdout.trim()).toBe('');
    expect((await s.lb(['logs', 'talk2', '-n', ns, '--since', '1h', '--tail', '5'])).stdout.trim().split('\n')).toHaveLength(5);
  });
});
