// Watches against a real `lb server` over HTTP (control plane only, no containers): a client that goes
// away and resumes from its revision sees every change once, in order, a commit of several included;
// a revision older than the change log keeps is answered RESYNC; Server-Sent Events with a watch
// ticket, and never with a bearer token in the URL; a scoped token's watch shows its namespaces only;
// `lb get services -w` prints a change as it happens.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbClient, wire, type WatchEvent } from '@lastbackend/sdk';
import { IMAGE, LB, TEST_DEFAULTS, TestServer, uniq, waitFor } from './harness';

/** Change log size of the server: small, so that a test can outrun it. */
const CHANGE_LOG = 30;

/** A service whose pods never start (its selector names no node). */
const idle = (name: string) => ({
  kind: 'Service',
  meta: { name },
  spec: { replicas: 1, selector: { node: 'nowhere' }, template: { containers: [{ name: 'c', image: { name: IMAGE }, command: ['sleep', '3600'] }] } },
});
const config = (name: string, data: Record<string, string> = { a: '1' }) => ({ kind: 'Config', meta: { name }, spec: { data } });

describe('watch', () => {
  let s: TestServer;
  let tmp = '';
  const A = uniq('wa');
  const B = uniq('wb');
  let deployer = '';
  let deployerId = '';

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'lb-watch-'));
    writeFileSync(join(tmp, 'config.json'), JSON.stringify({ ...TEST_DEFAULTS, watch: { change_log: CHANGE_LOG } }));
    s = await TestServer.start({ agent: false, config: join(tmp, 'config.json'), extraArgs: ['--insecure-http'] });
    for (const ns of [A, B]) await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    ({ token: deployer, id: deployerId } = await s.client.createToken({ role: 'deployer', namespaces: [A], description: 'team-a' }));
  }, 120_000);
  afterAll(async () => {
    await s?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Runs a watch in the background, collecting its events until stop(). */
  function collect<T>(it: AsyncGenerator<WatchEvent<T>>, ctl: AbortController) {
    const events: WatchEvent<T>[] = [];
    const done = (async () => {
      for await (const ev of it) events.push(ev);
    })().catch((e: unknown) => (ctl.signal.aborted ? undefined : Promise.reject(e)));
    return { events, stop: async () => (ctl.abort(), await done) };
  }
  const until = <T>(events: WatchEvent<T>[], ok: (evs: WatchEvent<T>[]) => boolean, what: string) =>
    waitFor(async () => events, ok, what, 15_000);
  /** The changes (SYNCED, which follows each commit, left out). */
  const changes = <T>(evs: WatchEvent<T>[]) => evs.filter((e) => e.type !== 'SYNCED');
  const names = (evs: WatchEvent<{ meta: { name: string } }>[]) => changes(evs).map((e) => `${e.type} ${e.object?.meta.name ?? ''}`.trim());

  it('a client that goes away and resumes from its revision sees every change made meanwhile exactly once, in order', async () => {
    const ns = A;
    await s.client.create('config', ns, config('before'));
    const ctl = new AbortController();
    const first = collect(s.client.watch(`/namespace/${ns}/config`, wire.decodeConfig, { signal: ctl.signal }), ctl);
    await until(first.events, (e) => e.some((x) => x.type === 'SYNCED'), 'SYNCED');
    await s.client.create('config', ns, config('c0'));
    await until(first.events, (e) => e.length === 4, 'the change while connected');
    await first.stop();
    expect(first.events.map((e) => e.type)).toEqual(['ADDED', 'SYNCED', 'ADDED', 'SYNCED']);
    expect(names(first.events)).toEqual(['ADDED before', 'ADDED c0']);
    const last = first.events[3].revision;

    // While it is away: creates, replaces, deletes, and one apply that changes three objects in one commit.
    for (const n of ['c1', 'c2', 'c3']) await s.client.create('config', ns, config(n));
    await s.client.request('PUT', `/namespace/${ns}/config/c1`, config('c1', { a: '2' }));
    await s.client.remove('config', ns, 'c2');
    await s.client.apply(ns, [config('m1'), config('m2'), config('c3', { a: '3' })]);
    await s.client.remove('config', ns, 'c0');
    const expected = ['ADDED c1', 'ADDED c2', 'ADDED c3', 'MODIFIED c1', 'DELETED c2', 'ADDED m1', 'ADDED m2', 'MODIFIED c3', 'DELETED c0'];

    const ctl2 = new AbortController();
    const resumed = collect(s.client.watch(`/namespace/${ns}/config`, wire.decodeConfig, { signal: ctl2.signal, revision: last }), ctl2);
    await until(resumed.events, (e) => changes(e).length >= expected.length, 'the changes made meanwhile');
    await s.client.create('config', ns, config('after'));
    await until(resumed.events, (e) => changes(e).length >= expected.length + 1, 'a live change after them');
    await resumed.stop();
    expect(names(resumed.events)).toEqual([...expected, 'ADDED after']);
    const revs = changes(resumed.events).map((e) => e.revision);
    expect(revs[0]).toBeGreaterThan(last);
    expect(revs).toEqual([...revs].sort((a, b) => a - b));
    // The apply's three changes share one revision.
    expect(new Set(revs.slice(5, 8)).size).toBe(1);
    // The same over plain NDJSON, resumed from the revision before the apply.
    const raw = await s.fetch(`/namespace/${ns}/config?watch=true&revision=${revs[4]}`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(raw.headers.get('content-type')).toContain('application/x-ndjson');
    const reader = raw.body!.getReader();
    let text = '';
    while (text.split('\n').filter(Boolean).length < 6) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; revision: number; object?: { meta: { name: string } } });
    expect(lines.slice(0, 6).map((l) => [l.type, l.object?.meta.name, l.revision])).toEqual([
      ['ADDED', 'm1', revs[5]],
      ['ADDED', 'm2', revs[5]],
      ['MODIFIED', 'c3', revs[5]],
      ['SYNCED', undefined, revs[5]],
      ['DELETED', 'c0', revs[8]],
      ['SYNCED', undefined, revs[8]],
    ]);
  });

  it('a revision older than the change log keeps is answered RESYNC with the current revision, and the SDK lists again', async () => {
    const ns = B;
    for (let i = 0; i < CHANGE_LOG + 5; i++) await s.client.create('config', ns, config(`old${i}`));
    const r = await s.fetch(`/namespace/${ns}/config?watch=true&revision=1`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(r.status).toBe(410);
    const body = (await r.json()) as { reason: string; message: string; revision: number };
    expect(body.reason).toBe('RESYNC');
    expect(body.message).toMatch(/revision 1 is older than this server's change log keeps .*list again/);
    expect(body.revision).toBeGreaterThan(CHANGE_LOG);
    // Bad input is named.
    const bad = await s.fetch(`/namespace/${ns}/config?watch=true&revision=x`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fields: unknown }).fields).toEqual([{ field: 'revision', reason: expect.stringMatching(/whole number/) }]);
    const notList = await s.fetch('/cluster/driver?watch=true', { headers: { authorization: `Bearer ${s.token}` } });
    expect(notList.status).toBe(400);

    const ctl = new AbortController();
    const w = collect(s.client.watch(`/namespace/${ns}/config`, wire.decodeConfig, { signal: ctl.signal, revision: 1, retryDelayMs: 10 }), ctl);
    await until(w.events, (e) => e.some((x) => x.type === 'SYNCED'), 'a fresh list');
    await w.stop();
    expect(w.events[0].type).toBe('RESYNC');
    expect(w.events.filter((e) => e.type === 'ADDED')).toHaveLength(CHANGE_LOG + 5);
  });

  it('Server-Sent Events take a watch ticket, once; a bearer token in their URL is refused', async () => {
    const ns = A;
    const sse = (query: string, headers: Record<string, string> = {}) =>
      s.fetch(`/namespace/${ns}/service?watch=true&${query}`, { headers: { accept: 'text/event-stream', ...headers } });
    const inUrl = await sse(`x-lastbackend-token=${s.token}`);
    expect(inUrl.status).toBe(401);
    expect(await inUrl.text()).toMatch(/never goes into the URL of an event stream.*POST \/watch\/ticket/);

    const ticket = (await s.client.watchTicket()).ticket;
    const ctl = new AbortController();
    const res = await s.fetch(`/namespace/${ns}/service?watch=true&ticket=${ticket}`, { headers: { accept: 'text/event-stream' }, signal: ctl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const read = async (ok: () => boolean) => {
      while (!ok()) text += new TextDecoder().decode((await reader.read()).value);
    };
    await read(() => text.includes('"SYNCED"'));
    await s.client.createService(ns, idle('sse'));
    await read(() => /data: \{"type":"ADDED".*"name":"sse"[^\n]*\n\ndata: \{"type":"SYNCED","revision":(\d+)\}\nid: \1\n\n/.test(text));
    ctl.abort();
    // Once only, for watches only, and as its caller: a deployer's ticket does not open another namespace.
    expect((await s.fetch(`/namespace/${ns}/service?watch=true&ticket=${ticket}`, { headers: { accept: 'text/event-stream' } })).status).toBe(401);
    const other = await s.client.watchTicket();
    expect((await s.fetch(`/namespace/${ns}/service?ticket=${other.ticket}`)).status).toBe(401);
    // A ticket asked for one list watches that one only.
    const bound = await s.client.watchTicket(`/namespace/${ns}/config`);
    const elsewhere = await s.fetch(`/namespace/${ns}/service?watch=true&ticket=${bound.ticket}`, { headers: { accept: 'text/event-stream' } });
    expect(elsewhere.status).toBe(401);
    expect(await elsewhere.text()).toContain(`opens a watch of /namespace/${ns}/config only`);
    const scoped = await new LbClient({ server: s.url, token: deployer }).watchTicket();
    expect((await s.fetch(`/namespace/${B}/service?watch=true&ticket=${scoped.ticket}`, { headers: { accept: 'text/event-stream' } })).status).toBe(403);
  });

  it("a scoped token's watch shows only its namespaces: 403 for another's, and a cluster-wide list narrowed to its own", async () => {
    const r = await s.fetch(`/namespace/${B}/config?watch=true`, { headers: { authorization: `Bearer ${deployer}` } });
    expect(r.status).toBe(403);
    await r.body?.cancel();
    const ctl = new AbortController();
    const client = new LbClient({ server: s.url, token: deployer });
    const w = collect(client.watch('/namespace', wire.decodeNamespace, { signal: ctl.signal }), ctl);
    await until(w.events, (e) => e.some((x) => x.type === 'SYNCED'), 'SYNCED');
    const C = uniq('wc');
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: C } });
    await s.client.request('PUT', `/namespace/${B}`, { kind: 'Namespace', meta: { name: B, labels: { changed: 'yes' } } });
    await s.client.request('PUT', `/namespace/${A}`, { kind: 'Namespace', meta: { name: A, labels: { changed: 'yes' } } });
    await until(w.events, (e) => e.filter((x) => x.type === 'SYNCED').length >= 2, 'the change of its own namespace');
    await w.stop();
    expect(names(w.events)).toEqual([`ADDED ${A}`, `MODIFIED ${A}`]);
    // Nothing at all of the others' changes: not even a SYNCED of their revisions.
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'SYNCED', 'MODIFIED', 'SYNCED']);

    // Revoking the token ends its open watches.
    const open = await s.fetch(`/namespace/${A}/config?watch=true`, { headers: { authorization: `Bearer ${deployer}` } });
    expect(open.status).toBe(200);
    const reader = open.body!.getReader();
    await reader.read(); // the current items have started
    await s.client.revokeToken(deployerId);
    const t0 = Date.now();
    while (!(await reader.read()).done) expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('`lb get services -w` prints the list, then a change as it happens (table rows, or JSON lines with -o json)', async () => {
    const ns = uniq('wcli');
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    await s.client.createService(ns, idle('first'));
    const run = (args: string[]) => {
      const child = spawn(process.execPath, [LB, 'get', 'services', '-n', ns, '-w', ...args], { env: { ...process.env, ...s.env } });
      const io = { out: '', err: '' };
      child.stdout.on('data', (d: Buffer) => (io.out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (io.err += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const seen = (re: RegExp, what: string) => waitFor(async () => io.out, (o) => re.test(o), `${what} in lb's output (so far: ${io.out} ${io.err})`, 15_000);
      return { seen, stop: () => (child.kill('SIGINT'), exited) };
    };
    const table = run([]);
    const json = run(['-o', 'json']);
    try {
      await table.seen(/^EVENT\s+NAME\s+STATE.*\nADDED\s+first\s/m, 'the current list');
      await json.seen(/^\{"type":"ADDED","revision":\d+,"object":\{"kind":"Service".*"name":"first"/m, 'the current list');
      await s.client.createService(ns, idle('web'));
      await table.seen(/^ADDED\s+web\s/m, 'the change');
      await json.seen(/^\{"type":"ADDED","revision":\d+,"object":\{"kind":"Service".*"name":"web"/m, 'the change');
    } finally {
      expect(await table.stop()).toBe(0);
      expect(await json.stop()).toBe(0);
    }
  });

  it('the SDK resumes by itself when the connection drops (the server restarts), and sees each change once', async () => {
    const ns = uniq('wr');
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    const retries: string[] = [];
    const ctl = new AbortController();
    const w = collect(
      s.client.watch(`/namespace/${ns}/config`, wire.decodeConfig, { signal: ctl.signal, retries: 30, retryDelayMs: 100, onRetry: (n, e) => retries.push(`${n}: ${e.message}`) }),
      ctl,
    );
    await until(w.events, (e) => e.some((x) => x.type === 'SYNCED'), 'SYNCED');
    await s.client.create('config', ns, config('x1'));
    await until(w.events, (e) => changes(e).length === 1, 'x1');
    await s.stop();
    await s.launch();
    await s.client.create('config', ns, config('x2'));
    await s.client.create('config', ns, config('x3'));
    await until(w.events, (e) => changes(e).length >= 3, 'the changes after the restart');
    await w.stop();
    expect(names(w.events)).toEqual(['ADDED x1', 'ADDED x2', 'ADDED x3']);
    expect(retries.length).toBeGreaterThan(0);
  }, 60_000);

  it("events are watched as a list route: ?for= selects, resumes from a revision, SSE with a ticket, scoped; `lb events -f` follows through it", async () => {
    const ns = uniq('wev');
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    type Ev = { meta: { name: string; revision: number }; reason: string; count: number; object: { kind: string; name: string } };
    const watchEvents = (query: string, revision?: number) => {
      const ctl = new AbortController();
      return collect(s.client.watch<Ev, Ev>(`/namespace/${ns}/event${query}`, (e) => e, { signal: ctl.signal, ...(revision === undefined ? {} : { revision }) }), ctl);
    };
    const reasons = (evs: WatchEvent<Ev>[]) => changes(evs).map((e) => `${e.type} ${e.object!.object.kind} ${e.object!.reason}`);
    const w = watchEvents('?for=service/ev');
    const all = watchEvents('');
    await until(w.events, (e) => e.some((x) => x.type === 'SYNCED'), 'SYNCED');
    await s.client.createService(ns, idle('ev'));
    await s.client.createService(ns, idle('other'));
    await until(w.events, (e) => ['NewVersion', 'FailedScheduling'].every((r) => e.some((x) => x.object?.reason === r)), 'NewVersion and FailedScheduling');
    await until(all.events, (e) => e.some((x) => x.object?.object.name === 'other'), "the other service's events");
    const lastSynced = [...w.events].reverse().find((e) => e.type === 'SYNCED')!.revision;
    await w.stop();
    await all.stop();
    // Only the service's and its pod's (the other service's are in the unfiltered watch only).
    expect(changes(w.events).every((e) => e.object!.object.name === 'ev' || e.object!.object.name.startsWith('ev-'))).toBe(true);
    expect(reasons(w.events)).toEqual(expect.arrayContaining(['ADDED Service NewVersion', 'ADDED Pod FailedScheduling']));

    // Resumed from its revision: what happened meanwhile, nothing twice.
    await s.client.scale(ns, 'ev', 2);
    const resumed = watchEvents('?for=service/ev', lastSynced);
    await until(resumed.events, (e) => e.some((x) => x.object?.reason === 'ScaledVersion'), 'ScaledVersion after the resume');
    await resumed.stop();
    const seen = new Set(changes(w.events).map((e) => `${e.object!.meta.name}@${e.object!.meta.revision}`));
    expect(changes(resumed.events).filter((e) => seen.has(`${e.object!.meta.name}@${e.object!.meta.revision}`))).toEqual([]);

    // Refused before anything streams: a bad ?for=, follow and watch at once, another namespace's token.
    const bad = await s.fetch(`/namespace/${ns}/event?watch=true&for=node/x`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual(['for']);
    const both = await s.fetch(`/namespace/${ns}/event?watch=true&follow=true`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(both.status).toBe(400);
    await both.body?.cancel();
    const viewer = (await s.client.createToken({ role: 'viewer', namespaces: [A] })).token;
    const scoped = await s.fetch(`/namespace/${ns}/event?watch=true`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(scoped.status).toBe(403);
    await scoped.body?.cancel();
    const cluster = await s.fetch('/event?watch=true', { headers: { authorization: `Bearer ${s.token}` } });
    expect(cluster.status).toBe(200);
    await cluster.body?.cancel();

    // Server-Sent Events with a ticket for the events list.
    const ticket = (await s.client.watchTicket(`/namespace/${ns}/event`)).ticket;
    const ctl = new AbortController();
    const res = await s.fetch(`/namespace/${ns}/event?watch=true&for=pod/nope&ticket=${ticket}`, { headers: { accept: 'text/event-stream' }, signal: ctl.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('"SYNCED"')) text += new TextDecoder().decode((await reader.read()).value);
    ctl.abort();
    expect(text).not.toContain('"ADDED"'); // no pod of that name

    // lb events -f: the events there are, then a new one as it is written.
    const follower = spawn(process.execPath, [LB, 'events', '-n', ns, '--for', 'service/ev', '-f', '-o', 'json'], { env: { ...process.env, ...s.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => follower.once('exit', (code) => r(code)));
    await waitFor(async () => out, (o) => o.includes('"reason":"ScaledVersion"'), 'lb events -f to print what there is');
    const printed = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
    expect(printed().map((e) => e.reason)).toEqual(expect.arrayContaining(['NewVersion', 'FailedScheduling', 'ScaledVersion']));
    await s.client.scale(ns, 'ev', 1);
    await waitFor(async () => printed().filter((e) => e.reason === 'ScaledVersion').length, (n) => n === 2, 'lb events -f to print the new scale');
    follower.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000);
});
