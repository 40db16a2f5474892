import type { ContainerSpec } from '@lastbackend/sdk';
import { createOptions, statsFromDocker, toContainerEvent, toTime } from './mapping';
import { splitRef } from './cii';
import { registryError, toLbError } from './errors';

const base: ContainerSpec = {
  name: 'web-1',
  image: 'img',
  env: { A: '1' },
  labels: { 'io.lastbackend.pod': 'p' },
  network: { mode: 'default' },
  resources: {},
  mounts: [],
};

describe('createOptions', () => {
  it('maps network modes, resources, mounts and command', () => {
    const o = createOptions({
      ...base,
      command: ['sh', '-c'],
      args: ['echo hi'],
      network: { mode: 'container', container: 'abc' },
      resources: { cpu: 250, ram: 1024 },
      mounts: [{ source: '/a', target: '/b', readonly: true }],
      stopTimeout: 3,
    });
    expect(o).toMatchObject({
      name: 'web-1',
      Entrypoint: ['sh', '-c'],
      Cmd: ['echo hi'],
      Env: ['A=1'],
      StopTimeout: 3,
      HostConfig: {
        Init: true,
        NetworkMode: 'container:abc',
        NanoCpus: 250_000_000,
        Memory: 1024,
        Mounts: [{ Type: 'bind', Source: '/a', Target: '/b', ReadOnly: true, BindOptions: { Propagation: 'rprivate' } }],
      },
    });
    expect(o.HostConfig?.Binds).toBeUndefined();
    expect(o.HostConfig?.RestartPolicy).toBeUndefined();
    expect(createOptions({ ...base, network: { mode: 'none' } }).HostConfig?.NetworkMode).toBe('none');
    expect(createOptions(base).Entrypoint).toBeUndefined();
  });

  it('passes mount targets through as paths, never as bind options', () => {
    // With a "source:target:options" Binds string, this target would have made the mount rshared.
    const o = createOptions({ ...base, mounts: [{ source: '/vol/a', target: '/mnt:rshared', readonly: false }] });
    expect(o.HostConfig?.Mounts).toEqual([{ Type: 'bind', Source: '/vol/a', Target: '/mnt:rshared', ReadOnly: false, BindOptions: { Propagation: 'rprivate' } }]);
    expect(JSON.stringify(o)).not.toMatch(/Binds/);
  });

  it("with the runtime's /etc files: a CNI container's network is disabled and the files mounted; joined containers mount them too", () => {
    const etc = { resolvConf: '/s/web-1/resolv.conf', hosts: '/s/web-1/hosts' };
    const mounts = [
      { Type: 'bind', Source: '/s/web-1/resolv.conf', Target: '/etc/resolv.conf', ReadOnly: false, BindOptions: { Propagation: 'rprivate' } },
      { Type: 'bind', Source: '/s/web-1/hosts', Target: '/etc/hosts', ReadOnly: false, BindOptions: { Propagation: 'rprivate' } },
    ];
    const dns = { servers: ['10.0.0.53'], search: ['ns.lb.local'] };
    const first = createOptions({ ...base, network: { mode: 'none' }, dns }, etc);
    expect(first.NetworkDisabled).toBe(true);
    expect(first.HostConfig?.Dns).toBeUndefined();
    expect(first.HostConfig?.Mounts).toEqual(mounts);
    // Disabling would give it a namespace of its own instead of the pod's.
    const joined = createOptions({ ...base, network: { mode: 'container', container: 'abc' }, dns }, etc);
    expect(joined.NetworkDisabled).toBeUndefined();
    // The engine refuses a resolver with "container:" ("conflicting options: dns and the network mode").
    expect(joined.HostConfig?.Dns).toBeUndefined();
    expect(createOptions({ ...base, network: { mode: 'container', container: 'abc' }, dns }).HostConfig?.Dns).toBeUndefined();
    expect(joined.HostConfig).toMatchObject({ NetworkMode: 'container:abc', Mounts: mounts });
    // The engine's own network (no CNI) makes its own files.
    const bridged = createOptions({ ...base, dns }, etc);
    expect(bridged.NetworkDisabled).toBeUndefined();
    expect(bridged.HostConfig?.Dns).toEqual(['10.0.0.53']);
    expect(bridged.HostConfig?.Mounts).toEqual([]);
    // Without the files (a remote engine): the engine's network sandbox, as before.
    const remote = createOptions({ ...base, network: { mode: 'none' }, dns });
    expect(remote.NetworkDisabled).toBeUndefined();
    expect(remote.HostConfig?.Dns).toEqual(['10.0.0.53']);
  });
});

describe('mapping helpers', () => {
  it('treats the zero time as unset', () => {
    expect(toTime('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(toTime('2024-05-01T10:00:00.5Z')).toBe('2024-05-01T10:00:00.500Z');
  });

  it('maps events and strips engine attributes from labels', () => {
    expect(
      toContainerEvent({
        Type: 'container',
        Action: 'die',
        Actor: { ID: 'c1', Attributes: { exitCode: '3', image: 'img', name: 'web', 'io.lastbackend.pod': 'p' } },
        timeNano: 1_700_000_000_123_000_000,
      }),
    ).toEqual({ id: 'c1', action: 'die', labels: { 'io.lastbackend.pod': 'p' }, time: 1_700_000_000_123 });
    expect(toContainerEvent({ Type: 'container', Action: 'exec_start: sh', Actor: { ID: 'c1' } })?.action).toBe('other');
  });

  it('splits image references', () => {
    expect(splitRef('127.0.0.1:5000/a/b:1.2')).toEqual({ repository: '127.0.0.1:5000/a/b', tag: '1.2' });
    expect(splitRef('127.0.0.1:5000/a')).toEqual({ repository: '127.0.0.1:5000/a' });
    expect(splitRef('a@sha256:00')).toEqual({ repository: 'a', tag: 'sha256:00' });
  });
});

describe('errors', () => {
  const httpError = (statusCode: number, message: string) =>
    Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), { statusCode, json: { message } });

  it('maps engine statuses and socket failures to LbError codes', () => {
    expect(toLbError(httpError(404, 'No such container: x'), 'inspect x')).toMatchObject({ code: 'NOT_FOUND', message: 'inspect x: No such container: x' });
    expect(toLbError(httpError(409, 'Conflict. The container name "/x" is already in use'), 'create').code).toBe('ALREADY_EXISTS');
    expect(toLbError(httpError(409, 'removal of container x is already in progress'), 'remove').code).toBe('CONFLICT');
    expect(toLbError(Object.assign(new Error('connect ENOENT /s'), { code: 'ENOENT' }), 'ping').code).toBe('UNAVAILABLE');
    expect(toLbError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'ping').retryable).toBe(true);
    expect(toLbError(httpError(500, 'boom'), 'x').code).toBe('INTERNAL');
  });

  it('classifies registry failures', () => {
    expect(registryError('dial tcp 127.0.0.1:1: connect: connection refused', 'pull').code).toBe('UNAVAILABLE');
    expect(registryError('manifest unknown: manifest unknown', 'pull').code).toBe('NOT_FOUND');
    expect(registryError('unauthorized: authentication required', 'pull').code).toBe('UNAUTHORIZED');
  });
});

describe('security options', () => {
  it('map to HostConfig and the container user; absent options keep the engine defaults', () => {
    const o = createOptions({
      ...base,
      security: { privileged: false, read_only_rootfs: true, user: '1000:1000', cap_add: ['NET_ADMIN'], cap_drop: ['ALL'], no_new_privileges: true },
    });
    expect(o.User).toBe('1000:1000');
    expect(o.HostConfig).toMatchObject({
      Privileged: false,
      ReadonlyRootfs: true,
      CapAdd: ['CAP_NET_ADMIN'],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
    });
    const plain = createOptions(base);
    expect(plain.User).toBeUndefined();
    for (const k of ['Privileged', 'ReadonlyRootfs', 'CapAdd', 'CapDrop', 'SecurityOpt', 'PidsLimit']) expect(plain.HostConfig).not.toHaveProperty(k);
  });

  it("the agent's defaults: no-new-privileges, NET_RAW dropped, the pids limit; default seccomp is the engine's own", () => {
    const o = createOptions({ ...base, security: { no_new_privileges: true, cap_drop: ['NET_RAW'], seccomp: 'default', pids_limit: 4096 } });
    expect(o.HostConfig).toMatchObject({ SecurityOpt: ['no-new-privileges:true'], CapDrop: ['CAP_NET_RAW'], PidsLimit: 4096 });
    expect(o.HostConfig?.SecurityOpt).not.toContain('seccomp=unconfined');
    expect(createOptions({ ...base, security: { seccomp: 'unconfined' } }).HostConfig?.SecurityOpt).toEqual(['seccomp=unconfined']);
  });
});

describe('statsFromDocker', () => {
  it('takes cpu time, memory without the page cache, the limit and summed network bytes', () => {
    const s = statsFromDocker({
      read: '2024-01-01T00:00:00Z',
      cpu_stats: { cpu_usage: { total_usage: 3000 }, system_cpu_usage: 20000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 1000 }, system_cpu_usage: 10000 },
      memory_stats: { usage: 5000, limit: 100000, stats: { inactive_file: 1000 } },
      networks: { eth0: { rx_bytes: 10, tx_bytes: 20 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
    });
    expect(s).toEqual({ time: Date.parse('2024-01-01T00:00:00Z'), cpu_ns: 3000, cpu_percent: 40, memory_bytes: 4000, memory_limit: 100000, net_rx_bytes: 11, net_tx_bytes: 22 });
  });

  it('leaves out cpu_percent without a previous sample (one-shot) and network bytes without a network', () => {
    const s = statsFromDocker({ read: '0001-01-01T00:00:00Z', cpu_stats: { cpu_usage: { total_usage: 7 } }, precpu_stats: {}, memory_stats: { usage: 10, limit: 20 } }, 42);
    expect(s).toEqual({ time: 42, cpu_ns: 7, memory_bytes: 10, memory_limit: 20 });
  });
});
