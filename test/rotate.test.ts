// Rotation of credentials under a running workload, on a real server with its local agent and a real
// Docker engine: the admin token (`lb token rotate`).
import { stringify } from 'yaml';
import type { Pod } from '@lastbackend/sdk';
import { TestServer, lb, readyPods, uniq, waitFor, webService } from './harness';

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
