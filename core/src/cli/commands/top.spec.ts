import { Readable } from 'node:stream';
import type { NodeUsage, PodUsage } from '@lastbackend/sdk';
import { main, type CliIo } from '../main';
import { formatMillicores, nodesTable, percentOf, podsTable } from './top';

const lb = async (...args: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    stdin: Readable.from([]),
    env: { LB_SERVER: 'http://127.0.0.1:9', LB_CLI_CONFIG: '/nonexistent/cli.json' },
    onInterrupt: () => () => undefined,
  };
  const code = await main(['node', 'lb', ...args], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
};

const pod = (over: Partial<PodUsage> = {}): PodUsage => ({
  namespace: 'ns',
  name: 'web-a',
  service: 'web',
  node: 'n1',
  time: '2026-01-01T00:00:00.000Z',
  window: 1,
  cpu: 12.5,
  memory: 12 * 2 ** 20,
  containers: [
    { name: 'app', cpu: 12, memory: 8 * 2 ** 20, memory_limit: 64 * 2 ** 20, cpu_seconds: 3 },
    { name: 'side', cpu: 0.5, memory: 4 * 2 ** 20, cpu_seconds: 1 },
  ],
  ...over,
});

describe('lb top', () => {
  it('shows CPU in millicores below a core and in cores above, and shares as whole percents', () => {
    expect([0, 0.4, 12.5, 999, 1000, 1250, 2345].map(formatMillicores)).toEqual(['0m', '0m', '13m', '999m', '1', '1.25', '2.35']);
    expect(formatMillicores(undefined)).toBe('-');
    expect(percentOf(250, 1000)).toBe('25%');
    expect(percentOf(1, 3)).toBe('33%');
    expect(percentOf(undefined, 1000)).toBe('-');
    expect(percentOf(5, 0)).toBe('-');
  });

  it('prints pods (per container with --containers), with a MESSAGE column only when a pod has no sample', () => {
    const lines = podsTable([pod()]).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SERVICE\s+NODE\s+CPU\s+MEMORY$/);
    expect(lines[1]).toMatch(/^web-a\s+web\s+n1\s+13m\s+12MiB$/);
    const pending = pod({ name: 'web-b', node: undefined, cpu: undefined, memory: undefined, containers: [], message: 'not placed on a node yet' });
    const two = podsTable([pod(), pending]).trimEnd().split('\n');
    expect(two[0]).toMatch(/MEMORY\s+MESSAGE$/);
    expect(two[2]).toMatch(/^web-b\s+web\s+-\s+-\s+-\s+not placed on a node yet$/);
    const cs = podsTable([pod()], true).trimEnd().split('\n');
    expect(cs[0]).toMatch(/^POD\s+CONTAINER\s+CPU\s+MEMORY\s+MEMORY%LIMIT$/);
    expect(cs[1]).toMatch(/^web-a\s+app\s+12m\s+8MiB\s+13%$/);
    expect(cs[2]).toMatch(/^web-a\s+side\s+1m\s+4MiB\s+-$/);
  });

  it('prints nodes: used and its share of capacity, what pods request of it', () => {
    const n: NodeUsage = {
      name: 'n1',
      state: 'ready',
      cpu: { used: 500, capacity: 2000, allocated: 1500 },
      memory: { used: 2 ** 30, capacity: 4 * 2 ** 30, allocated: 2 ** 29 },
      pods: { used: 3, capacity: 110, allocated: 4 },
    };
    const off: NodeUsage = { ...n, name: 'n2', state: 'offline', cpu: { capacity: 1000, allocated: 0 }, memory: { capacity: 2 ** 30, allocated: 0 }, pods: { capacity: 10, allocated: 0 }, message: 'node is offline' };
    const lines = nodesTable([n, off]).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATE\s+CPU\s+CPU%\s+MEMORY\s+MEMORY%\s+CPU REQUESTED\s+MEMORY REQUESTED\s+PODS\s+MESSAGE$/);
    expect(lines[1]).toMatch(/^n1\s+ready\s+500m\s+25%\s+1GiB\s+25%\s+1.5\/2\s+512MiB\/4GiB\s+4\/110$/);
    expect(lines[2]).toMatch(/^n2\s+offline\s+-\s+-\s+-\s+-\s+0m\/1\s+0B\/1GiB\s+0\/10\s+node is offline$/);
  });

  it('refuses an unknown kind or a flag of the other kind before calling the server (exit 2, with a suggestion)', async () => {
    const typo = await lb('top', 'pdos');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: unknown kind pdos \(one of pod, node\): did you mean "pods?"\?\n$/);
    expect(await lb('top', 'services')).toEqual({ code: 2, stdout: '', stderr: 'error: top does not support kind service (one of pod, node)\n' });
    expect((await lb('top', 'nodes', '--service', 'web')).stderr).toBe('error: --service and --containers apply to top pods only\n');
    expect((await lb('top', 'pods', '-o', 'wide')).stderr).toBe('error: output: unknown format "wide" (one of table, json, yaml)\n');
    expect((await lb('top')).code).toBe(2);
  });
});
