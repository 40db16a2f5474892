// Rollouts that report, end to end: `lb run/scale` wait for the rollout against a real `lb server` with
// its local agent on Docker, show progress (pipe mode here: one line per change) and exit with how it
// ended; `lb rollout status` attaches to a rollout started with --detach. The image that does not exist
// is served by a stand-in registry on loopback that knows no image (manifest unknown), so the case needs
// no network and fails as a registry really answers.
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IMAGE, LB, TestServer, emptyRegistry, readyPods, uniq, waitFor } from './harness';

const POD = '[0-9a-f]{10}';

describe('rollouts that report', () => {
  let s: TestServer;
  let registry: Server;
  const ns = uniq('rollout');

  beforeAll(async () => {
    registry = await emptyRegistry();
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(async () => {
    await s?.cleanup();
    await new Promise((r) => registry?.close(r));
  });

  it('lb run of an image that does not exist exits 1 at once, naming the pod and the pull error; an unreachable registry at the timeout, exit 3', async () => {
    const image = `127.0.0.1:${(registry.address() as AddressInfo).port}/lb-test/absent:1`;
    const r = await s.lb(['run', 'nopull', image, '-n', ns, '--timeout', '60s']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^service\/nopull created\n/);
    expect(r.stderr).toMatch(new RegExp(`^error: rollout of service/nopull failed: pod nopull-${POD}: cannot pull image ${image.replace(/[.]/g, '\\.')} for container nopull: pull .*manifest unknown`, 'm'));
    // A registry that does not answer may come back: that is waited out, then named, exit 3.
    const down = await s.lb(['run', 'noreg', '127.0.0.1:1/lb-test/absent:1', '-n', ns, '--timeout', '8s']);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(new RegExp(`^error: rollout of service/noreg timed out after 8s \\(v1: 0/1 ready\\): pod noreg-${POD}: .*connection refused`, 'm'));
    expect(down.stderr).toContain(`\`lb rollout status noreg -n ${ns}\` waits again`);
  });

  it('a crash loop fails the rollout, naming the pod and showing its last log lines', async () => {
    const r = await s.lb(['run', 'crash', IMAGE, '-n', ns, '--command', "sh -c 'echo lb-crash-marker; exit 3'", '--timeout', '120s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: rollout of service/crash failed: pod crash-${POD}: container crash is crash-looping: it exited( with code 3)? and was restarted \\d+ times?$`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`^last log lines of crash-${POD}/crash:\n  lb-crash-marker$`, 'm'));
    await s.client.deleteService(ns, 'crash');
  });

  it('a healthy 3-replica run exits 0 only once all 3 are ready, one progress line per change', async () => {
    const r = await s.lb(['run', 'web', IMAGE, '--replicas', '3', '-n', ns]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Right after the exit, not eventually: the wait is what made them ready.
    const pods = await s.pods(ns, 'web');
    expect(pods).toHaveLength(3);
    expect(readyPods(pods)).toHaveLength(3);

    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('service/web created');
    expect(lines.at(-2)).toBe('service/web v1: 3/3 updated, 3/3 ready');
    expect(lines.at(-1)).toBe('service/web v1 rolled out: 3/3 ready');
    const shapes = [
      /^service\/web: waiting for the (service|new version)$/,
      /^service\/web v1: [0-3]\/3 updated, [0-3]\/3 ready$/,
      new RegExp(`^pod/web-${POD} v1: (pending: .+|scheduled on node ${s.node}|pulling .+|starting(: .*)?|running: .+|ready)$`),
    ];
    for (const l of lines.slice(1, -1)) expect([l, shapes.some((re) => re.test(l))]).toEqual([l, true]);
    // Each pod of the three ends ready, said once; no service or pod repeats the line it said last.
    const readyLines = lines.filter((l) => / v1: ready$/.test(l));
    expect(new Set(readyLines.map((l) => l.split(' ')[0]))).toEqual(new Set(pods.map((p) => `pod/${p.meta.name}`)));
    expect(readyLines).toHaveLength(3);
    const last = new Map<string, string>();
    for (const l of lines) {
      const key = l.split(/[ :]/)[0];
      expect(last.get(key)).not.toBe(l);
      last.set(key, l);
    }
  });

  it('lb rollout status attaches to a rollout started with --detach and exits 0 once it is done', async () => {
    const r = await s.lb(['run', 'later', IMAGE, '--replicas', '2', '--detach', '-n', ns]);
    expect(r).toEqual({ code: 0, stdout: 'service/later created\n', stderr: '' });
    const st = await s.lb(['rollout', 'status', 'later', '-n', ns]);
    expect(st.stderr).toBe('');
    expect(st.code).toBe(0);
    expect(st.stdout.trimEnd().split('\n').at(-1)).toBe('service/later v1 rolled out: 2/2 ready');
    expect(readyPods(await s.pods(ns, 'later'))).toHaveLength(2);
    // Done already: it says so at once.
    const again = await s.lb(['rollout', 'status', 'later', '-n', ns]);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toMatch(new RegExp(`^pod/later-${POD} v1: ready\npod/later-${POD} v1: ready\nservice/later v1: 2/2 updated, 2/2 ready\nservice/later v1 rolled out: 2/2 ready\n$`));
    const missing = await s.lb(['rollout', 'status', 'nope', '-n', ns]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope/);
    // Ctrl-C while it waits (noreg never pulls): 130, and how to wait again.
    const waiting = spawn(process.execPath, [LB, 'rollout', 'status', 'noreg', '-n', ns], { env: { ...process.env, ...s.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    waiting.stdout.on('data', (d: Buffer) => (out += d.toString()));
    waiting.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => waiting.once('exit', (code) => r(code)));
    await waitFor(async () => out, (o) => o.includes('service/noreg v1: 1/1 updated, 0/1 ready'), 'lb rollout status to show progress');
    waiting.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toBe(`interrupted: the rollout goes on; \`lb rollout status noreg -n ${ns}\` follows it again\n`);
  });

  it('lb scale waits and exits 0 at the new count; --detach returns without waiting', async () => {
    const up = await s.lb(['scale', 'web', '5', '-n', ns]);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout.trimEnd().split('\n').at(-1)).toBe('service/web v1 rolled out: 5/5 ready');
    expect(readyPods(await s.pods(ns, 'web'))).toHaveLength(5);
    expect((await s.client.deployments(ns, 'web')).map((d) => d.meta.name)).toEqual(['v1']);

    const down = await s.lb(['scale', 'web', '2', '-n', ns, '--detach']);
    expect(down).toEqual({ code: 0, stdout: 'service/web scaled to 2\n', stderr: '' });
    const st = await s.lb(['rollout', 'status', 'web', '-n', ns]);
    expect(st.code).toBe(0);
    expect(st.stdout.trimEnd().split('\n').at(-1)).toBe('service/web v1 rolled out: 2/2 ready');
    expect((await s.pods(ns, 'web')).filter((p) => !p.spec.destroy)).toHaveLength(2);
  });
});
