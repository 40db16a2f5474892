import type { ContainerSpec } from '@lastbackend/sdk';
import { DENIED_SYSCALLS } from './seccomp';
import { ALL_CAPABILITIES, capabilitySet, DEFAULT_CAPABILITIES, numericUser, processArgs, processEnv, runtimeSpec, wantedUser } from './oci-spec';

const base: ContainerSpec = {
  name: 'web-1',
  image: 'busybox',
  env: { A: '1' },
  labels: {},
  network: { mode: 'default' },
  resources: {},
  mounts: [],
};
const image = { config: { Entrypoint: ['/init'], Cmd: ['serve'], Env: ['PATH=/bin', 'A=0'], WorkingDir: '/srv' } };
const etc = { resolvConf: '/s/resolv.conf', hosts: '/s/hosts', hostname: '/s/hostname' };

describe('process args and env', () => {
  it('follows the Kubernetes convention: command replaces the entrypoint, args the CMD', () => {
    expect(processArgs({}, image)).toEqual(['/init', 'serve']);
    expect(processArgs({ args: ['x'] }, image)).toEqual(['/init', 'x']);
    expect(processArgs({ command: ['sh'] }, image)).toEqual(['sh']);
    expect(processArgs({ command: ['sh'], args: ['-c', 'true'] }, image)).toEqual(['sh', '-c', 'true']);
  });

  it('lets the spec override the image env and defaults PATH', () => {
    expect(processEnv({ A: '1' }, image)).toEqual(['PATH=/bin', 'A=1']);
    expect(processEnv({}, {})).toEqual([expect.stringMatching(/^PATH=\/usr\/local\/sbin:/)]);
  });
});

describe('runtimeSpec', () => {
  it('maps resources, mounts, /etc files and namespaces', () => {
    const spec = runtimeSpec({
      id: 'web-1',
      namespace: 'lastbackend',
      hostname: 'web-1',
      spec: {
        ...base,
        resources: { cpu: 250, ram: 1024 },
        mounts: [
          { source: '/host/a', target: '/a', readonly: true },
          { source: '/host/resolv', target: '/etc/resolv.conf', readonly: true },
        ],
      },
      image,
      etc,
    });
    expect(spec.process.cwd).toBe('/srv');
    expect(spec.linux.resources.cpu).toEqual({ quota: 25_000, period: 100_000 });
    expect(spec.linux.resources.memory).toEqual({ limit: 1024 });
    expect(spec.linux.cgroupsPath).toBe('/lastbackend/web-1');
    const dest = (d: string) => spec.mounts.filter((m) => m.destination === d);
    expect(dest('/a')).toEqual([{ destination: '/a', type: 'bind', source: '/host/a', options: ['rbind', 'rprivate', 'ro'] }]);
    // A user mount wins over the driver's own file.
    expect(dest('/etc/resolv.conf').map((m) => m.source)).toEqual(['/host/resolv']);
    expect(dest('/etc/hosts').map((m) => m.source)).toEqual(['/s/hosts']);
    expect(spec.linux.namespaces).toContainEqual({ type: 'network' });
  });

  it('takes a mount\'s source and target as paths: a target never adds options', () => {
    const spec = runtimeSpec({ id: 'm', namespace: 'n', hostname: 'm', spec: { ...base, mounts: [{ source: '/pinned/v', target: '/mnt:rshared', readonly: false }] }, image, etc });
    expect(spec.mounts.filter((m) => m.source === '/pinned/v')).toEqual([{ destination: '/mnt:rshared', type: 'bind', source: '/pinned/v', options: ['rbind', 'rprivate', 'rw'] }]);
  });

  it('joins another network namespace when given one', () => {
    const spec = runtimeSpec({ id: 'b', namespace: 'n', hostname: 'b', spec: base, image, etc, netns: '/proc/42/ns/net' });
    expect(spec.linux.namespaces).toContainEqual({ type: 'network', path: '/proc/42/ns/net' });
  });
});

describe('security options', () => {
  it('default: root, writable root, default capabilities, new privileges allowed, /proc and /sys guarded', () => {
    const spec = runtimeSpec({ id: 'd', namespace: 'n', hostname: 'd', spec: base, image, etc });
    expect(spec.process.user).toEqual({ uid: 0, gid: 0 });
    expect(spec.root.readonly).toBe(false);
    expect(spec.process.noNewPrivileges).toBe(false);
    expect(spec.process.capabilities.bounding).toEqual(DEFAULT_CAPABILITIES);
    expect(spec.linux.maskedPaths.length).toBeGreaterThan(0);
    expect(spec.linux.resources.devices).toEqual([{ allow: false, access: 'rwm' }]);
  });

  it('maps read-only root, no_new_privileges, the resolved user and the capability set', () => {
    const spec = runtimeSpec({
      id: 's', namespace: 'n', hostname: 's', image, etc, user: { uid: 1000, gid: 100 },
      spec: { ...base, security: { read_only_rootfs: true, no_new_privileges: true, user: '1000:100', cap_drop: ['ALL'], cap_add: ['NET_ADMIN'] } },
    });
    expect(spec.root.readonly).toBe(true);
    expect(spec.process.noNewPrivileges).toBe(true);
    expect(spec.process.user).toEqual({ uid: 1000, gid: 100 });
    expect(spec.process.capabilities).toEqual({ bounding: ['CAP_NET_ADMIN'], effective: ['CAP_NET_ADMIN'], permitted: ['CAP_NET_ADMIN'] });
  });

  it('privileged: every capability and device, the host /dev, nothing masked', () => {
    const spec = runtimeSpec({ id: 'p', namespace: 'n', hostname: 'p', image, etc, spec: { ...base, security: { privileged: true } } });
    expect(spec.process.capabilities.bounding).toEqual(ALL_CAPABILITIES);
    expect(spec.linux.resources.devices).toEqual([{ allow: true, access: 'rwm' }]);
    expect(spec.linux.maskedPaths).toEqual([]);
    expect(spec.linux.readonlyPaths).toEqual([]);
    expect(spec.mounts.find((m) => m.destination === '/dev')).toMatchObject({ type: 'bind', source: '/dev' });
  });

  it("the agent's defaults: the driver's seccomp profile, the pids limit, no_new_privs, NET_RAW dropped", () => {
    const spec = runtimeSpec({
      id: 'd', namespace: 'n', hostname: 'd', image, etc,
      spec: { ...base, security: { no_new_privileges: true, cap_drop: ['NET_RAW'], seccomp: 'default', pids_limit: 1024 } },
    });
    expect(spec.process.noNewPrivileges).toBe(true);
    expect(spec.process.capabilities.bounding).toEqual(DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_NET_RAW'));
    expect(spec.linux.resources.pids).toEqual({ limit: 1024 });
    const seccomp = spec.linux.seccomp;
    expect(seccomp?.defaultAction).toBe('SCMP_ACT_ALLOW');
    const denied = seccomp?.syscalls.find((r) => r.action === 'SCMP_ACT_ERRNO' && r.errnoRet === 1 && !r.args)?.names ?? [];
    for (const call of ['mount', 'umount2', 'ptrace', 'kexec_load', 'init_module', 'finit_module', 'delete_module', 'bpf', 'perf_event_open', 'keyctl', 'add_key', 'request_key', 'unshare', 'setns', 'swapon', 'swapoff', 'reboot', 'pivot_root', 'open_by_handle_at', 'userfaultfd', 'acct', 'settimeofday', 'clock_settime'])
      expect(denied).toContain(call);
    expect(denied).toEqual(Object.values(DENIED_SYSCALLS).flat());
    // clone with CLONE_NEWUSER is refused like unshare; clone3 answers ENOSYS so libc falls back to clone.
    expect(seccomp?.syscalls).toContainEqual(expect.objectContaining({ names: ['clone'], args: [{ index: 0, value: 0x10000000, valueTwo: 0x10000000, op: 'SCMP_CMP_MASKED_EQ' }] }));
    expect(seccomp?.syscalls).toContainEqual({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    const open = runtimeSpec({ id: 'u', namespace: 'n', hostname: 'u', image, etc, spec: { ...base, security: { seccomp: 'unconfined' } } });
    expect(open.linux).not.toHaveProperty('seccomp');
    expect(open.linux.resources).not.toHaveProperty('pids');
  });

  it("runs the image's user unless the spec names one; root only when neither does", () => {
    expect(wantedUser({}, { config: { User: 'app:app' } })).toBe('app:app');
    expect(wantedUser({ security: { user: '1000' } }, { config: { User: 'app' } })).toBe('1000');
    expect(wantedUser({}, { config: { User: '' } })).toBeUndefined();
    expect(wantedUser({}, {})).toBeUndefined();
  });

  it('computes capability sets as Docker does and refuses unknown names, naming the field', () => {
    expect(capabilitySet({ cap_drop: ['CHOWN', 'CAP_KILL'] })).toEqual(DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN' && c !== 'CAP_KILL'));
    expect(capabilitySet({ cap_add: ['ALL'], cap_drop: ['SYS_ADMIN'] })).toEqual(ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_ADMIN'));
    expect(capabilitySet({ cap_drop: ['ALL'] })).toEqual([]);
    expect(() => capabilitySet({ cap_add: ['NOT_A_CAP'] })).toThrow(/security\.cap_add\.0: CAP_NOT_A_CAP is not a Linux capability/);
    expect(numericUser('1000')).toEqual({ uid: 1000, gid: 0 });
    expect(numericUser('1000:5')).toEqual({ uid: 1000, gid: 5 });
    expect(numericUser('nobody')).toBeUndefined();
  });
});
