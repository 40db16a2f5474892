import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupStats, keyValues, netDev } from './stats';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
  eth0:    2000      10    0    0    0     0          0         0      3000      20    0    0    0     0       0          0
`;

describe('containerd stats from cgroupfs', () => {
  const root = mkdtempSync(join(tmpdir(), 'lb-ctd-cgroup-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('parses key-value files and /proc/<pid>/net/dev without loopback', () => {
    expect(keyValues('usage_usec 5\nuser_usec 3\nbad\n')).toEqual({ usage_usec: 5, user_usec: 3 });
    expect(netDev(NET_DEV)).toEqual({ rx: 2000, tx: 3000 });
    expect(netDev(NET_DEV.split('\n').slice(0, 3).join('\n'))).toBeUndefined();
  });

  it('reads cgroup v1 files; an unlimited cgroup is bounded by the host memory', async () => {
    const v1 = join(root, 'v1');
    mkdirSync(join(v1, 'cpuacct/ns/c1'), { recursive: true });
    mkdirSync(join(v1, 'memory/ns/c1'), { recursive: true });
    writeFileSync(join(v1, 'cpuacct/ns/c1/cpuacct.usage'), '12345\n');
    writeFileSync(join(v1, 'memory/ns/c1/memory.usage_in_bytes'), '5000\n');
    writeFileSync(join(v1, 'memory/ns/c1/memory.limit_in_bytes'), '9223372036854771712\n');
    writeFileSync(join(v1, 'memory/ns/c1/memory.stat'), 'cache 100\ntotal_inactive_file 1000\n');
    const s = await cgroupStats('/ns/c1', 999_999_999, v1);
    expect(s).toMatchObject({ cpu_ns: 12345, memory_bytes: 4000 });
    expect(s.memory_limit).toBeLessThan(9223372036854771712);
    expect(s.net_rx_bytes).toBeUndefined();
  });

  it('reads cgroup v2 files, and refuses a cgroup it cannot find', async () => {
    const v2 = join(root, 'v2');
    mkdirSync(join(v2, 'ns/c2'), { recursive: true });
    writeFileSync(join(v2, 'cgroup.controllers'), 'cpu memory\n');
    writeFileSync(join(v2, 'ns/c2/cpu.stat'), 'usage_usec 7\n');
    writeFileSync(join(v2, 'ns/c2/memory.current'), '3000\n');
    writeFileSync(join(v2, 'ns/c2/memory.max'), '4096\n');
    writeFileSync(join(v2, 'ns/c2/memory.stat'), 'inactive_file 1000\n');
    await expect(cgroupStats('/ns/c2', 999_999_999, v2)).resolves.toMatchObject({ cpu_ns: 7000, memory_bytes: 2000, memory_limit: 4096 });
    await expect(cgroupStats('/ns/missing', 1, v2)).rejects.toThrow(/memory\.current/);
  });
});
