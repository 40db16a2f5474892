import type { ContainerSpec } from '@lastbackend/sdk';
import { hostsFile, processArgs, processEnv, resolvConf, runtimeSpec } from './oci-spec';

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

describe('/etc files', () => {
  it('writes the spec resolver, else the host one without loopback servers', () => {
    expect(resolvConf({ servers: ['10.0.0.10'], search: ['a.local'], options: ['ndots:5'] }, '')).toBe(
      'nameserver 10.0.0.10\nsearch a.local\noptions ndots:5\n',
    );
    expect(resolvConf(undefined, 'nameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch x\n')).toBe('nameserver 10.1.1.1\nsearch x\n');
    expect(hostsFile('web')).toContain('127.0.0.1\tweb\n');
  });
});
