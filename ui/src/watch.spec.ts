// The dashboard's live list against a scripted server: fetch (the watch tickets) and EventSource faked.
import { watchList, type LiveState } from './watch';

interface Item {
  meta: { name: string; namespace?: string };
  v?: number;
}

class FakeEventSource {
  static all: FakeEventSource[] = [];
  onmessage: ((m: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.all.push(this);
  }
  close() {
    this.closed = true;
  }
  send(e: object) {
    this.onmessage?.({ data: JSON.stringify(e) });
  }
  drop() {
    this.onerror?.();
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('watchList', () => {
  let tickets: number;
  let states: LiveState<Item>[];
  let refuse: { status: number; message: string } | undefined;

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    FakeEventSource.all = [];
    tickets = 0;
    states = [];
    refuse = undefined;
    const g = globalThis as Record<string, unknown>;
    g.EventSource = FakeEventSource;
    g.sessionStorage = { getItem: () => 'lbt.x.y', setItem: () => undefined, removeItem: () => undefined };
    g.fetch = jest.fn(async (path: string, init: { method: string; headers: Record<string, string>; body: string }) => {
      expect([path, init.method, init.headers.authorization, JSON.parse(init.body)]).toEqual(['/watch/ticket', 'POST', 'Bearer lbt.x.y', { path: '/namespace/a/service' }]);
      if (refuse) return new Response(JSON.stringify({ reason: 'FORBIDDEN', message: refuse.message }), { status: refuse.status });
      return new Response(JSON.stringify({ ticket: `lbw.${++tickets}`, expires: '' }), { status: 201 });
    });
  });
  afterEach(() => jest.useRealTimers());

  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve().then(tick);
  };
  const last = () => states[states.length - 1];
  const names = () => [...last().items.values()].map((o) => `${o.meta.name}${o.v === undefined ? '' : `@${o.v}`}`).sort();
  const es = () => FakeEventSource.all[FakeEventSource.all.length - 1];

  it('lists, follows changes, and resumes from the last SYNCED revision with a new ticket after a drop', async () => {
    const stop = watchList<Item>('/namespace/a/service', (s) => states.push(s));
    await settle();
    expect(es().url).toBe('/namespace/a/service?watch=true&ticket=lbw.1');
    es().send({ type: 'ADDED', revision: 7, object: { meta: { name: 'web', namespace: 'a' } } });
    es().send({ type: 'ADDED', revision: 7, object: { meta: { name: 'db', namespace: 'a' } } });
    expect(states).toHaveLength(0); // nothing shown before the list is whole
    es().send({ type: 'SYNCED', revision: 7 });
    expect([names(), last().synced, last().down]).toEqual([['db', 'web'], true, false]);
    es().send({ type: 'MODIFIED', revision: 9, object: { meta: { name: 'web', namespace: 'a' }, v: 2 } });
    es().send({ type: 'DELETED', revision: 9, object: { meta: { name: 'db', namespace: 'a' } } });
    es().send({ type: 'SYNCED', revision: 9 });
    expect(names()).toEqual(['web@2']);

    const first = es();
    first.drop();
    expect([first.closed, last().down]).toEqual([true, true]);
    jest.advanceTimersByTime(500);
    await settle();
    expect(es().url).toBe('/namespace/a/service?watch=true&ticket=lbw.2&revision=9');
    es().send({ type: 'MODIFIED', revision: 10, object: { meta: { name: 'web', namespace: 'a' }, v: 3 } });
    es().send({ type: 'SYNCED', revision: 10 });
    expect([names(), last().down]).toEqual([['web@3'], false]);
    stop();
    expect(es().closed).toBe(true);
  });

  it('on RESYNC forgets what it held and lists again without a revision', async () => {
    watchList<Item>('/namespace/a/service', (s) => states.push(s));
    await settle();
    es().send({ type: 'ADDED', revision: 3, object: { meta: { name: 'old', namespace: 'a' } } });
    es().send({ type: 'SYNCED', revision: 3 });
    es().drop();
    jest.advanceTimersByTime(500);
    await settle();
    expect(es().url).toContain('&revision=3');
    es().send({ type: 'RESYNC', revision: 50, object: { message: 'too old' } });
    expect([names(), last().down]).toEqual([[], true]);
    jest.advanceTimersByTime(1000);
    await settle();
    expect(es().url).toBe('/namespace/a/service?watch=true&ticket=lbw.3');
    es().send({ type: 'ADDED', revision: 50, object: { meta: { name: 'new', namespace: 'a' } } });
    es().send({ type: 'SYNCED', revision: 50 });
    expect([names(), last().synced, last().down]).toEqual([['new'], true, false]);
  });

  it('a refused ticket shows the server’s reason and is not asked again', async () => {
    refuse = { status: 403, message: 'token "v" (role viewer) lacks "namespace.read" on namespace "a"' };
    watchList<Item>('/namespace/a/service', (s) => states.push(s));
    await settle();
    expect(last().error).toBe(refuse.message);
    jest.advanceTimersByTime(10_000);
    await settle();
    expect([(globalThis.fetch as jest.Mock).mock.calls.length, FakeEventSource.all.length]).toEqual([1, 0]);
  });
});
