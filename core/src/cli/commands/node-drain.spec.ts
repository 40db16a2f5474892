import type { DrainPod, DrainReport } from '@lastbackend/sdk';
import { DRAIN_EXIT, drainOutcome, progressLines, runDrain } from './node-drain';

const pod = (name: string, state: DrainPod['state'], reason: string, permanent = false): DrainPod => ({ namespace: 'ns', name, owner: 'web', state, reason, permanent });
const report = (pods: DrainPod[]): DrainReport => ({ node: 'n1', cordoned: true, done: pods.length === 0, pods });

describe('lb node drain', () => {
  it('prints what changed: a pod in a new state, a pod gone', () => {
    const a = report([pod('a', 'moving', 'its replacement is starting elsewhere'), pod('b', 'moving', 'its replacement is starting elsewhere')]);
    const b = report([pod('a', 'stopping', 'replaced; its containers are being stopped'), pod('b', 'moving', 'its replacement is starting elsewhere')]);
    expect(progressLines(a, b)).toEqual(['pod/ns/a (web): stopping: replaced; its containers are being stopped']);
    expect(progressLines(b, report([pod('b', 'moving', 'its replacement is starting elsewhere')]))).toEqual(['pod/ns/a: gone from node n1']);
  });

  it('ends drained, or blocked once only pods that cannot move are left; a pod that may yet move keeps it going', () => {
    expect(drainOutcome(report([]))).toBe('drained');
    expect(drainOutcome(report([pod('db', 'blocked', 'volume "data" is pinned to node n1', true)]))).toBe('blocked');
    expect(drainOutcome(report([pod('db', 'blocked', 'volume "data" is pinned to node n1', true), pod('a', 'moving', 'x')]))).toBeUndefined();
    expect(drainOutcome(report([pod('a', 'blocked', 'no other node fits: node n2 is full')]))).toBeUndefined();
  });

  async function run(reports: DrainReport[], timeout = 60) {
    const out: string[] = [];
    const err: string[] = [];
    let t = 0;
    let i = 0;
    const code = await runDrain(
      {
        drain: async () => reports[Math.min(i++, reports.length - 1)],
        out: (s) => out.push(s),
        err: (s) => err.push(s),
        pause: async () => void (t += 1000),
        now: () => t,
      },
      timeout,
    );
    return { code, out, err, asks: i };
  }

  it('exits 0 once the node is empty, with progress on the way', async () => {
    const r = await run([report([pod('a', 'moving', 'm')]), report([pod('a', 'stopping', 's')]), report([])]);
    expect(r.code).toBe(DRAIN_EXIT.drained);
    expect(r.out).toEqual(['node/n1 cordoned; draining 1 pod(s)', 'pod/ns/a (web): moving: m', 'pod/ns/a (web): stopping: s', 'pod/ns/a: gone from node n1', 'node/n1 drained']);
  });

  it('exits 1 naming the pods that cannot move, 3 at the timeout naming what is left and why', async () => {
    const blocked = await run([report([pod('a', 'moving', 'm'), pod('db', 'blocked', 'volume "data" is pinned to node n1', true)]), report([pod('db', 'blocked', 'volume "data" is pinned to node n1', true)])]);
    expect(blocked.code).toBe(DRAIN_EXIT.blocked);
    expect(blocked.err).toEqual(['node/n1: drain cannot finish (these pods cannot move); 1 pod(s) still on it:', '  pod/ns/db (web): blocked: volume "data" is pinned to node n1']);
    const stuck = await run([report([pod('a', 'blocked', 'no other node fits: node n2 is full')])], 5);
    expect(stuck.code).toBe(DRAIN_EXIT.timeout);
    expect(stuck.asks).toBe(6);
    expect(stuck.err[0]).toBe('node/n1: drain cannot finish (timed out after 5s); 1 pod(s) still on it:');
    expect(stuck.err[1]).toContain('no other node fits: node n2 is full');
  });
});
