// Safe container defaults and namespace policies, on one node with a real Docker engine: what docker inspect
// and the kernel show of a plain container, a restricted namespace refusing a root container (nothing stored),
// a privileged one allowing what baseline refuses, and run_as_non_root checked against the image's user.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbError, type Pod } from '@lastbackend/sdk';
import { IMAGE, TEST_DEFAULTS, TestServer, docker, uniq, waitFor, webService } from './harness';

interface Inspect {
  Config: { User: string };
  HostConfig: { SecurityOpt: string[] | null; PidsLimit: number | null; CapDrop: string[] | null; CapAdd: string[] | null; Privileged: boolean };
}

const sleeper = (name: string, security?: Record<string, unknown>) => ({
  kind: 'Service',
  meta: { name },
  spec: { template: { containers: [{ name: 'main', image: { name: IMAGE }, command: ['sleep', '3600'], ...(security ? { security } : {}) }] } },
});

describe('container security: defaults and namespace policies', () => {
  let s: TestServer;
  // The node's pids limit is its config's (node.pids_limit), not the built-in 4096.
  const PIDS = 2048;
  const dir = mkdtempSync(join(tmpdir(), 'lb-sec-'));
  const base = uniq('sec');
  const restricted = uniq('sec-r');
  const privileged = uniq('sec-p');

  beforeAll(async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ ...TEST_DEFAULTS, node: { pids_limit: PIDS } }));
    s = await TestServer.start({ config });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: base } });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: restricted }, spec: { policy: 'restricted' } });
    await s.client.apply(privileged, [{ kind: 'Namespace', meta: { name: privileged }, spec: { policy: 'privileged' } }]);
  });
  afterAll(async () => {
    await s?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const running = (ns: string, svc: string): Promise<Pod[]> =>
    waitFor(
      () => s.client.pods(ns, svc),
      (ps) => ps.length === 1 && ps[0].status.containers[0]?.state === 'running',
      `${ns}/${svc} running`,
    );
  const inspect = (ns: string, svc: string): Inspect => {
    const [id] = s.containers({ 'io.lastbackend.namespace': ns, 'io.lastbackend.service': svc });
    return (JSON.parse(docker(['inspect', id])) as Inspect[])[0];
  };
  const refusal = async (p: Promise<unknown>): Promise<LbError> => {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(LbError);
    return e as LbError;
  };

  it('a plain container starts with no-new-privileges, the pids limit, NET_RAW dropped and the default seccomp profile', async () => {
    await s.client.apply(base, [webService('web', 1)]);
    const [pod] = await running(base, 'web');
    const c = inspect(base, 'web');
    expect(c.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    expect(c.HostConfig.SecurityOpt ?? []).not.toContain('seccomp=unconfined');
    expect(c.HostConfig.PidsLimit).toBe(PIDS);
    expect(c.HostConfig.CapDrop).toContain('CAP_NET_RAW');
    expect(c.HostConfig.Privileged).toBe(false);
    // What the kernel enforces, seen from inside.
    const ex = await s.lb(['exec', pod.meta.name, '-n', base, '--', 'sh', '-c', 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max']);
    expect(ex.stderr).toBe('');
    expect(ex.stdout).toMatch(new RegExp(`NoNewPrivs:\\s+1\nSeccomp:\\s+2\n${PIDS}\n`));
  });

  it('a restricted namespace refuses a root container at apply, naming the field and the policy, and stores nothing', async () => {
    const e = await refusal(s.client.apply(restricted, [sleeper('root')]));
    expect(e.status).toBe(403);
    expect(e.message).toContain(`policy "restricted"`);
    expect(e.details.fields?.map((f) => f.field)).toEqual([
      'manifests.0.spec.template.containers.0.security.run_as_non_root',
      'manifests.0.spec.template.containers.0.security.capabilities.drop',
    ]);
    const created = await refusal(s.client.createService(restricted, sleeper('root', { run_as_non_root: true, run_as_user: 0, capabilities: { drop: ['ALL'] } })));
    expect(created.status).toBe(400); // contradictory in itself: refused by the schema
    expect((await refusal(s.client.service(restricted, 'root'))).status).toBe(404);
  });

  it('restricted: a non-root container runs; run_as_non_root with the root image does not start and says why', async () => {
    const ok = { run_as_non_root: true, run_as_user: 1000, capabilities: { drop: ['ALL'] } };
    await s.client.apply(restricted, [sleeper('nonroot', ok), sleeper('rootimage', { run_as_non_root: true, capabilities: { drop: ['ALL'] } })]);
    await running(restricted, 'nonroot');
    const c = inspect(restricted, 'nonroot');
    expect(c.Config.User).toBe('1000');
    expect(c.HostConfig.CapDrop).toEqual(['ALL']);
    expect(c.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    const [pod] = await waitFor(
      () => s.client.pods(restricted, 'rootimage'),
      (ps) => ps.length === 1 && /runs as root/.test(ps[0].status.containers[0]?.message ?? ''),
      'the root image refused',
    );
    expect(pod.status.containers[0].message).toMatch(/run_as_non_root is set but image lb-test\/busybox:latest runs as root/);
    expect(s.containers({ 'io.lastbackend.namespace': restricted, 'io.lastbackend.service': 'rootimage' })).toEqual([]);
  });

  it('a namespace with violating services cannot become restricted: they are named', async () => {
    const e = await refusal(s.client.apply(base, [{ kind: 'Namespace', meta: { name: base }, spec: { policy: 'restricted' } }]));
    expect(e.message).toMatch(/cannot take policy "restricted": service "web" asks for more/);
    expect((await s.client.namespace(base)).spec.policy).toBeUndefined();
  });

  it('baseline refuses a capability a privileged namespace allows (and docker inspect shows it added)', async () => {
    const admin = sleeper('netadmin', { capabilities: { add: ['NET_ADMIN'] } });
    const e = await refusal(s.client.apply(base, [admin]));
    expect(e.status).toBe(403);
    expect(e.details.fields).toEqual([
      { field: 'manifests.0.spec.template.containers.0.security.capabilities.add.0', reason: expect.stringContaining(`not allowed by the namespace's policy "baseline"`) },
    ]);
    expect((await refusal(s.client.service(base, 'netadmin'))).status).toBe(404);

    await s.client.apply(privileged, [admin]);
    await running(privileged, 'netadmin');
    const c = inspect(privileged, 'netadmin');
    expect(c.HostConfig.CapAdd).toEqual(['CAP_NET_ADMIN']);
    expect(c.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
  });
});
