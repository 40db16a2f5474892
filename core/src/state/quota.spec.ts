import type { NamespaceResources, PodTemplate } from '@lastbackend/sdk';
import { account, formatAmount, limitOf, podRequests, quotaProblems, type ServiceLoad } from './quota';

const MiB = 1024 ** 2;
const tpl = (...containers: { cpu?: string; ram?: string; limitRam?: string }[]): PodTemplate =>
  ({
    containers: containers.map((c, i) => ({
      name: `c${i}`,
      image: { name: 'img' },
      ...(c.cpu || c.ram || c.limitRam
        ? { resources: { ...(c.cpu || c.ram ? { requests: { ...(c.cpu ? { cpu: c.cpu } : {}), ...(c.ram ? { ram: c.ram } : {}) } } : {}), ...(c.limitRam ? { limits: { ram: c.limitRam } } : {}) } }
        : {}),
    })),
    volumes: [],
    termination: 10,
  }) as unknown as PodTemplate;
const svc = (name: string, replicas: number, template: PodTemplate, previous?: PodTemplate): ServiceLoad => ({ name, replicas, template, ...(previous ? { previous } : {}) });

describe('quota accounting', () => {
  it('a pod asks for the sum of its containers: requests, else limits, else the namespace default', () => {
    expect(podRequests(tpl({ cpu: '250m', ram: '128mib' }, { cpu: '0.5', limitRam: '64mib' }), undefined)).toEqual({ cpu: 750, ram: 192 * MiB, missing: [] });
    expect(podRequests(tpl({}), { cpu: '100m', ram: '32mib' })).toEqual({ cpu: 100, ram: 32 * MiB, missing: [] });
    expect(podRequests(tpl({ cpu: '1' }), undefined).missing).toEqual([{ container: 'c0', dimension: 'ram' }]);
  });

  it('a service uses replicas × its pod, both versions while a blue/green rollout runs; volumes add their sizes', () => {
    const a = account(
      [svc('web', 3, tpl({ cpu: '200m', ram: '256mib' })), svc('api', 2, tpl({ cpu: '1', ram: '1gib' }), tpl({ cpu: '500m', ram: '512mib' }))],
      [{ name: 'data', storage: '1gib' }, { name: 'logs', storage: 512 * MiB }, { name: 'scratch' }],
      undefined,
    );
    expect(a.used).toEqual({ cpu: 3 * 200 + 2 * 1500, ram: 3 * 256 * MiB + 2 * 1536 * MiB, storage: 1536 * MiB, pods: 3 + 4, services: 2, volumes: 3 });
    expect(a.unsized).toEqual(['scratch']);
  });

  it('a rolling service counts replicas + surge pods of the larger template while it rolls out, its replicas otherwise', () => {
    const big = tpl({ cpu: '1', ram: '1gib' });
    const small = tpl({ cpu: '500m', ram: '512mib' });
    const rolling = account([{ ...svc('api', 6, big, small), surge: 1 }], [], undefined);
    expect(rolling.used).toMatchObject({ cpu: 7 * 1000, ram: 7 * 1024 * MiB, pods: 7 });
    expect(rolling.services.get('api')?.rolling).toBe(false);
    expect(account([{ ...svc('api', 6, big), surge: 1 }], [], undefined).used).toMatchObject({ cpu: 6 * 1000, pods: 6 });
    // Within the limit a rolling update fits where blue/green (both versions whole) would not.
    const before = account([svc('api', 6, small)], [], undefined);
    const q: NamespaceResources = { limits: { pods: 8 } };
    expect(quotaProblems('ns', q, before, account([{ ...svc('api', 6, big, small), surge: 1 }], [], q))).toEqual([]);
    expect(quotaProblems('ns', q, before, account([svc('api', 6, big, small)], [], q))[0]).toMatch(/pods 6 requested \+ 6 used > limit 8/);
  });

  it('lists containers that request nothing only in dimensions the quota limits', () => {
    const s = [svc('web', 1, tpl({}))];
    expect(account(s, [], { limits: { pods: 5 } }).uncounted).toEqual([]);
    expect(account(s, [], { limits: { ram: '1gib' } }).uncounted).toEqual([{ service: 'web', container: 'c0', dimension: 'ram' }]);
    expect(account(s, [], { limits: { ram: '1gib' }, defaults: { ram: '64mib' } }).uncounted).toEqual([]);
  });

  it('limits and amounts read and print in their units', () => {
    const q: NamespaceResources = { limits: { cpu: '1500m', ram: '1gib', storage: 2048, pods: 4 } };
    expect([limitOf(q, 'cpu'), limitOf(q, 'ram'), limitOf(q, 'storage'), limitOf(q, 'pods'), limitOf(q, 'services')]).toEqual([1500, 1024 ** 3, 2048, 4, undefined]);
    expect([formatAmount('cpu', 2000), formatAmount('cpu', 750), formatAmount('ram', 768 * MiB), formatAmount('ram', 1024 ** 3), formatAmount('services', 3)]).toEqual(['2', '750m', '768MiB', '1GiB', '3']);
  });
});

describe('quota problems', () => {
  const q: NamespaceResources = { limits: { ram: '1gib', pods: 4, services: 2 } };
  const before = account([svc('a', 1, tpl({ ram: '512mib' }))], [], q);

  it('names what is over and by how much', () => {
    const after = account([svc('a', 1, tpl({ ram: '512mib' })), svc('b', 3, tpl({ ram: '256mib' }))], [], q);
    expect(quotaProblems('team', q, before, after)).toEqual(['namespace "team" quota: ram 768MiB requested + 512MiB used > limit 1GiB (over by 256MiB)']);
  });

  it('accepts what fits, up to the limit exactly', () => {
    const after = account([svc('a', 2, tpl({ ram: '512mib' }))], [], q);
    expect(quotaProblems('team', q, before, after)).toEqual([]);
  });

  it('does not refuse a dimension already over a lowered limit that does not grow', () => {
    const big = account([svc('a', 6, tpl({ ram: '512mib' }))], [], q);
    expect(quotaProblems('team', q, big, account([svc('a', 5, tpl({ ram: '512mib' }))], [], q))).toEqual([]);
    expect(quotaProblems('team', q, big, big)).toEqual([]);
    expect(quotaProblems('team', q, big, account([svc('a', 7, tpl({ ram: '512mib' }))], [], q))).toHaveLength(2); // ram and pods
  });

  it('says when a blue/green rollout is why an update does not fit', () => {
    const old = tpl({ ram: '256mib' });
    const b = account([svc('a', 2, old)], [], q);
    const a = account([svc('a', 2, tpl({ ram: '384mib' }), old)], [], q);
    const problems = quotaProblems('team', q, b, a);
    expect(problems[0]).toBe('namespace "team" quota: ram 768MiB requested + 512MiB used > limit 1GiB (over by 256MiB)');
    expect(problems[1]).toMatch(/service "a" rolls out a new version blue\/green: .*both count/);
  });

  it('refuses a new or changed container that requests nothing where the quota limits it and no default is set', () => {
    const none = account([], [], q);
    expect(quotaProblems('team', q, none, account([svc('a', 1, tpl({}))], [], q))).toEqual([
      'namespace "team" quota limits ram: container "c0" of service "a" requests no ram and the namespace sets no default (give the container resources.requests.ram, or set spec.resources.defaults.ram on the namespace)',
    ]);
    // one admitted before the quota was set keeps running, and may shrink
    const admitted = account([svc('a', 2, tpl({}))], [], q);
    expect(quotaProblems('team', q, admitted, account([svc('a', 1, tpl({}))], [], q))).toEqual([]);
  });

  it('refuses a new volume without a size where storage is limited', () => {
    const s: NamespaceResources = { limits: { storage: '1gib', volumes: 2 } };
    const none = account([], [], s);
    expect(quotaProblems('team', s, none, account([], [{ name: 'v' }], s))).toEqual(['namespace "team" quota limits storage: volume "v" declares no size (give spec.capacity.storage)']);
    expect(quotaProblems('team', s, none, account([], [{ name: 'v', storage: '2gib' }], s))).toEqual([
      'namespace "team" quota: storage 2GiB requested + 0B used > limit 1GiB (over by 1GiB)',
    ]);
  });
});
