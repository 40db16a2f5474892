// Rotation of credentials under a running workload, on a real server with its local agent and a real
// Docker engine: the secret key (`lb secret-key rotate`), then the admin token (`lb token rotate`).
import { stringify } from 'yaml';
import type { Pod } from '@lastbackend/sdk';
import { TestServer, docker, lb, readyPods, uniq, waitFor, webService } from './harness';

describe('rotation', () => {
  let s: TestServer;
  const ns = uniq('rot');

  beforeAll(async () => {
    s = await TestServer.start();
    expect((await s.lb(['apply', '-f', '-', '-n', ns], stringify({ kind: 'Namespace', meta: { name: ns } }))).code).toBe(0);
    expect((await s.lb(['apply', '-f', '-', '-n', ns], stringify(webService('web', 2)))).code).toBe(0);
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 2, 'web ready');
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  /** The env of every running container of a service, by pod. */
  const envs = async (svc: string) => {
    const pods = readyPods(await s.pods(ns, svc));
    return pods.map((p) => docker(['inspect', '--format', '{{json .Config.Env}}', s.containers({ 'io.lastbackend.pod': p.meta.name })[0]]));
  };
  const values = { one: 'first-value', two: 'second value', three: 's3cr3t=' };

  it('lb secret-key rotate: every secret still reaches its containers, while pods start during the rotation and after a restart', async () => {
    for (const [name, v] of Object.entries(values))
      expect((await s.lb(['apply', '-f', '-', '-n', ns], stringify({ kind: 'Secret', meta: { name }, spec: { type: 'opaque', data: { v } } }))).code).toBe(0);
    const svc = webService('sec', 2, { readiness: false });
    (svc.spec.template.containers[0] as { env: unknown[] }).env = Object.keys(values).map((name) => ({ name: `S_${name.toUpperCase()}`, secret: { name, key: 'v' } }));
    expect((await s.lb(['apply', '-f', '-', '-n', ns], stringify(svc))).code).toBe(0);
    const expectAll = (env: string[]) => {
      for (const e of env) for (const [name, v] of Object.entries(values)) expect(e).toContain(`S_${name.toUpperCase()}=${v}`);
    };
    await waitFor(() => s.pods(ns, 'sec'), (p) => readyPods(p).length === 2, 'sec ready');
    expectAll(await envs('sec'));

    // New pods start (and fetch their secrets) while the rotation runs.
    const [rotated, scaled] = await Promise.all([s.lb(['secret-key', 'rotate']), s.lb(['scale', 'sec', '4', '-n', ns])]);
    expect(rotated.stderr).toBe('');
    expect(rotated.code).toBe(0);
    expect(scaled.code).toBe(0);
    const first = /key ([0-9a-f]+), (\d+) object/.exec(rotated.stdout);
    expect(Number(first?.[2])).toBeGreaterThanOrEqual(3);
    await waitFor(() => s.pods(ns, 'sec'), (p) => readyPods(p).length === 4, 'sec scaled to 4');
    expectAll(await envs('sec'));
    expect((await s.lb(['get', 'secret', 'one', '-n', ns])).code).toBe(0);

    // A second rotation re-seals everything again under another key; after a restart the server reads the
    // new key and a pod started then still gets every value.
    const second = await s.lb(['secret-key', 'rotate']);
    expect(second.code).toBe(0);
    expect(/key ([0-9a-f]+)/.exec(second.stdout)?.[1]).not.toBe(first?.[1]);
    await s.stop();
    await s.launch();
    expect((await s.lb(['scale', 'sec', '5', '-n', ns])).code).toBe(0);
    await waitFor(() => s.pods(ns, 'sec'), (p) => readyPods(p).length === 5, 'sec scaled to 5 after a restart');
    expectAll(await envs('sec'));
  });

  const status = async (token: string) => (await s.fetch('/namespace', { headers: { authorization: `Bearer ${token}` } })).status;

  it('lb token rotate: the old admin token works through its grace, then is refused; the new one and the node keep working', async () => {
    const old = s.token;
    expect((await s.lb(['token', 'rotate', '--grace', 'soon'])).stderr).toContain('grace');
    const r = await s.lb(['token', 'rotate', '--grace', '3s']);
    expect(r.code).toBe(0);
    const fresh = r.stdout.trim();
    expect(fresh).not.toBe(old);
    expect(r.stderr).toContain('works until');
    expect(await status(fresh)).toBe(200);
    // Refused only once the grace has ended (polled: the test waits for the refusal, not a fixed time).
    await waitFor(() => status(old), (c) => c === 401, 'old admin token refused', 30_000);
    expect(await status(fresh)).toBe(200);
    // A second rotation with no grace ends the previous token at once.
    const again = (await lb(['token', 'rotate', '--grace', '0'], { ...s.env, LB_TOKEN: fresh })).stdout.trim();
    expect(await status(fresh)).toBe(401);
    expect(await status(again)).toBe(200);
    // LB_TOKEN is the old one for s.lb: refused now.
    expect((await s.lb(['get', 'ns'])).code).not.toBe(0);
    // The server's own agent uses the server token, not the admin's: its node stays ready and the pods run.
    const as = (path: string) => s.fetch(path, { headers: { authorization: `Bearer ${again}` } });
    const since = Date.now();
    await waitFor(async () => (await (await as(`/cluster/node/${s.node}`)).json()) as { status: { online?: boolean; heartbeat?: string } }, (n) => Date.parse(n.status.heartbeat ?? '') > since, 'a heartbeat after the rotation');
    const pods = (await (await as(`/namespace/${ns}/pod`)).json()) as Pod[];
    expect(readyPods(pods.filter((p) => p.meta.service === 'web'))).toHaveLength(2);
  });
});
