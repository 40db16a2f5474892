// Events' logic against a real level store on disk: folding repeats, retention by time and number,
// writes off the caller's path, a node's intake (only its own pods and itself), filters and following.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbError, type LbEvent } from '@lastbackend/sdk';
import { CLUSTER_EVENTS, keys, PREFIX } from '../store/keys';
import { Store } from '../store/store';
import { eventName, expired, fold, type EventInput } from './fold';
import { nodeEvents } from './intake';
import { eventFilter, EventReader } from './reader';
import { EventRecorder } from './recorder';

const pod = (name: string, reason = 'BackOff', message = 'back-off restarting container c'): EventInput => ({
  object: { kind: 'Pod', namespace: 'ns', name, service: 'web' },
  type: 'warning',
  reason,
  message,
  component: 'agent/n1',
});

describe('events', () => {
  let dir: string;
  let store: Store;
  let rec: EventRecorder;
  const warnings: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-events-'));
    store = new Store(dir);
    await store.open();
    warnings.length = 0;
    rec = new EventRecorder(store, { ttl: 3600, max: 100, flushMs: 10_000, warn: (m) => warnings.push(m) });
  });
  afterEach(async () => {
    await rec.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = () => store.list<LbEvent>(PREFIX.events);

  it('folds repeats (same object, type, reason, message, component) into one event with a count', async () => {
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    for (let i = 0; i < 5; i++) rec.record({ ...pod('web-1'), at: t0 + i * 1000 });
    rec.record(pod('web-1', 'BackOff', 'another message'));
    rec.record({ ...pod('web-1'), component: 'agent/n2' });
    rec.record(pod('web-2'));
    await rec.flush();
    const events = await stored();
    expect(events).toHaveLength(4);
    const folded = events.find((e) => e.meta.name === eventName(pod('web-1')))!;
    expect(folded).toMatchObject({ count: 5, first_seen: iso(t0), last_seen: iso(t0 + 4000), type: 'warning', reason: 'BackOff' });
    expect(folded.meta.name).toMatch(/^web-1\.[0-9a-f]{12}$/);
    // A repeat after the write lands on the same stored event: count up, last seen moved on, first kept.
    rec.record({ ...pod('web-1'), at: t0 + 60_000 });
    await rec.flush();
    const again = (await store.get<LbEvent>(keys.event('ns', folded.meta.name)))!;
    expect(again).toMatchObject({ count: 6, first_seen: folded.first_seen, last_seen: iso(t0 + 60_000) });
    expect(again.meta.revision).toBeGreaterThan(folded.meta.revision);
    // A node's event is the cluster's.
    rec.record({ object: { kind: 'Node', name: 'n1' }, type: 'normal', reason: 'DriverSwapped', message: 'x', component: 'kernel/n1' });
    await rec.flush();
    expect(await store.list(keys.event(CLUSTER_EVENTS))).toHaveLength(1);
  });

  it('fold() of a repeat adds its count and never moves last_seen back', () => {
    const first = fold(undefined, { ...pod('p'), count: 3 }, 1000, 2000);
    expect(first.count).toBe(3);
    const later = fold(first, { ...pod('p'), count: 2 }, 500, 1500);
    expect(later).toMatchObject({ count: 5, first_seen: first.first_seen, last_seen: first.last_seen });
  });

  it('record() neither waits nor throws, and nothing is written until the flush', async () => {
    const r = rec.record(pod('web-1'));
    expect(r).toBeUndefined();
    expect(await stored()).toEqual([]);
    await store.close();
    rec.record(pod('web-2'));
    await expect(rec.flush()).resolves.toBeUndefined(); // a store that fails is said, not thrown
    expect(warnings.join('\n')).toMatch(/events: 2 event\(s\) not written/);
    await store.open();
  });

  it('a flush comes by itself after flushMs', async () => {
    const quick = new EventRecorder(store, { ttl: 3600, max: 100, flushMs: 20 });
    quick.record(pod('web-1'));
    for (let i = 0; i < 100 && !(await stored()).length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await stored()).toHaveLength(1);
    await quick.close();
  });

  it('keeps events for ttl seconds after they were last seen, and at most max of them (the oldest go)', async () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    const entries: [string, LbEvent][] = [0, 10, 20, 30, 4000].map((ago, i) => {
      const e = fold(undefined, pod(`p${i}`), now - ago * 1000, now - ago * 1000);
      return [`event/ns/${e.meta.name}`, e];
    });
    expect(expired(entries, now, 3600, 100)).toEqual([entries[4][0]]);
    expect(expired(entries, now, 3600, 2).sort()).toEqual([entries[4][0], entries[3][0], entries[2][0]].sort());

    const small = new EventRecorder(store, { ttl: 60, max: 3, flushMs: 10_000 });
    for (let i = 0; i < 5; i++) small.record({ ...pod(`p${i}`), at: Date.now() - (5 - i) * 1000 });
    small.record({ ...pod('old'), at: Date.now() - 120_000 });
    await small.flush();
    const kept = await stored();
    expect(kept.map((e) => e.object.name).sort()).toEqual(['p2', 'p3', 'p4']);
    // Over the bound again: the oldest goes as the new one is written.
    small.record(pod('p5'));
    await small.flush();
    expect((await stored()).map((e) => e.object.name).sort()).toEqual(['p3', 'p4', 'p5']);
    // Time passes: everything last seen more than ttl ago goes.
    expect(await small.prune(Date.now() + 61_000)).toBe(3);
    expect(await stored()).toEqual([]);
    await small.close();
  });

  it('holds at most maxPending distinct events about pods between flushes, and says how many it dropped', async () => {
    const tight = new EventRecorder(store, { ttl: 3600, max: 100, flushMs: 10_000, maxPending: 2, warn: (m) => warnings.push(m) });
    for (const n of ['a', 'b', 'c', 'd']) tight.record(pod(n));
    tight.record(pod('a')); // a repeat still folds
    // Services' events are not crowded out by their pods' (a big apply's Scheduled): up to max of them wait.
    const service = (name: string): EventInput => ({ object: { kind: 'Service', namespace: 'ns', name }, type: 'normal', reason: 'NewVersion', message: `${name}-v1`, component: 'controller' });
    for (const n of ['s1', 's2', 's3']) tight.record(service(n));
    await tight.flush();
    expect((await stored()).map((e) => [e.object.kind, e.object.name, e.count])).toEqual([
      ['Pod', 'a', 2],
      ['Pod', 'b', 1],
      ['Service', 's1', 1],
      ['Service', 's2', 1],
      ['Service', 's3', 1],
    ]);
    expect(warnings.join('\n')).toMatch(/2 event\(s\) dropped/);
    await tight.close();
  });

  describe("a node's events", () => {
    const placement = (bound: Record<string, { node: string; service: string }>) => ({
      serviceOfPodOn: async (node: string, ns: string, p: string) => (bound[`${ns}/${p}`]?.node === node ? bound[`${ns}/${p}`].service : undefined),
    });
    const report = (o: object, component = 'agent') => ({ component, object: o, type: 'normal', reason: 'Started', message: 'started container c' });

    it("are named after the node and carry the pod's service", async () => {
      const out = await nodeEvents('n1', { events: [report({ kind: 'Pod', namespace: 'ns', name: 'web-1' }), report({ kind: 'Node', name: 'n1' }, 'kernel')] }, placement({ 'ns/web-1': { node: 'n1', service: 'web' } }));
      expect(out).toEqual([
        { object: { kind: 'Pod', namespace: 'ns', name: 'web-1', service: 'web' }, type: 'normal', reason: 'Started', message: 'started container c', count: 1, component: 'agent/n1' },
        { object: { kind: 'Node', name: 'n1' }, type: 'normal', reason: 'Started', message: 'started container c', count: 1, component: 'kernel/n1' },
      ]);
    });

    it("refuse a batch that speaks of another node's pod or of another node, naming each", async () => {
      const p = placement({ 'ns/web-1': { node: 'n1', service: 'web' }, 'other/db-1': { node: 'n2', service: 'db' } });
      const attack = { events: [report({ kind: 'Pod', namespace: 'ns', name: 'web-1' }), report({ kind: 'Pod', namespace: 'other', name: 'db-1' }), report({ kind: 'Node', name: 'n2' }, 'kernel')] };
      const err = (await nodeEvents('n1', attack, p).catch((e: unknown) => e)) as LbError;
      expect(err).toBeInstanceOf(LbError);
      expect(err.code).toBe('FORBIDDEN');
      expect(err.details.fields).toEqual([
        { field: 'events.1.object', reason: 'pod "db-1" of namespace "other" is not bound to node "n1"' },
        { field: 'events.2.object', reason: 'node "n1" may only report about itself, not node "n2"' },
      ]);
      // Nor may it pick its component's name, a reason that is not a word, or a service.
      for (const bad of [
        { ...report({ kind: 'Pod', namespace: 'ns', name: 'web-1' }), component: 'scheduler' },
        { ...report({ kind: 'Pod', namespace: 'ns', name: 'web-1' }), reason: 'no spaces allowed' },
        report({ kind: 'Pod', namespace: 'ns', name: 'web-1', service: 'db' }),
        report({ kind: 'Service', namespace: 'ns', name: 'web' }),
      ])
        await expect(nodeEvents('n1', { events: [bad] }, p)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });

  describe('reading', () => {
    const e = (o: EventInput['object']) => fold(undefined, { ...pod('x'), object: o }, 0, 0);

    it('?for=service/NAME has the service and its pods; pod/NAME one pod; node/NAME only on the cluster', () => {
      const svc = eventFilter('service/web', false);
      expect(svc(e({ kind: 'Service', namespace: 'ns', name: 'web' }))).toBe(true);
      expect(svc(e({ kind: 'Pod', namespace: 'ns', name: 'web-1', service: 'web' }))).toBe(true);
      expect(svc(e({ kind: 'Pod', namespace: 'ns', name: 'db-1', service: 'db' }))).toBe(false);
      expect(eventFilter('po/web-1', false)(e({ kind: 'Pod', namespace: 'ns', name: 'web-1', service: 'web' }))).toBe(true);
      expect(eventFilter('node/n1', true)(e({ kind: 'Node', name: 'n1' }))).toBe(true);
      expect(() => eventFilter('node/n1', false)).toThrow(/for: a node's events are the cluster's/);
      expect(() => eventFilter('pod/x', true)).toThrow(/for: a service's or pod's events are its namespace's/);
      expect(() => eventFilter('secret/x', false)).toThrow(/for: must be service\/NAME, pod\/NAME, job\/NAME or task\/NAME/);
    });

    it('?for=job/NAME has the job and its tasks; task/NAME one task', () => {
      const job = eventFilter('job/nightly', false);
      expect(job(e({ kind: 'Job', namespace: 'ns', name: 'nightly' }))).toBe(true);
      expect(job(e({ kind: 'Task', namespace: 'ns', name: 'nightly-a1b2c3', job: 'nightly' }))).toBe(true);
      expect(job(e({ kind: 'Task', namespace: 'ns', name: 'other-a1b2c3', job: 'other' }))).toBe(false);
      expect(eventFilter('task/nightly-a1b2c3', false)(e({ kind: 'Task', namespace: 'ns', name: 'nightly-a1b2c3', job: 'nightly' }))).toBe(true);
      expect(eventFilter('task/nightly-a1b2c3', false)(e({ kind: 'Job', namespace: 'ns', name: 'nightly' }))).toBe(false);
    });

    it('follows: the list, then each write once, of its namespace only', async () => {
      rec.record(pod('web-1'));
      await rec.flush();
      const ctl = new AbortController();
      const seen: string[] = [];
      const done = (async () => {
        for await (const ev of new EventReader(store).follow('ns', () => true, ctl.signal)) {
          seen.push(`${ev.object.name}:${ev.count}`);
          if (seen.length === 3) ctl.abort();
        }
      })();
      await new Promise((r) => setTimeout(r, 50));
      rec.record({ ...pod('db-1'), object: { kind: 'Pod', namespace: 'other', name: 'db-1', service: 'db' } });
      rec.record(pod('web-1'));
      await rec.flush();
      rec.record(pod('web-2'));
      await rec.flush();
      await done;
      expect(seen).toEqual(['web-1:1', 'web-1:2', 'web-2:1']);
    });
  });
});
