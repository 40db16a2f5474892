// What starts tasks besides a manual run, and the hook, on one real server with its agent on Docker: an HTTP
// provider on 127.0.0.1 (allowed by the namespace's egress, set by the admin) drains 10 queued items into 10
// tasks, never more than 3 running at once, and the hook hears of all 10; a provider on loopback or the
// metadata range, in a namespace whose egress allows everything else, is refused and never called; a cron
// job with a one-minute schedule runs a task at the minute, in real time. The triggers' rules (missed runs
// across a restart, refused manifests, hook retries) are unit specs: core/src/jobs/job-triggers.spec.ts.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LbEvent, Task } from '@lastbackend/sdk';
import { IMAGE, TestServer, uniq, waitFor } from './harness';

interface Queue {
  server: Server;
  url: string;
  items: string[];
  polls: number;
  hooks: { body: Record<string, unknown>; delivery: string }[];
  paths: string[];
}

async function startQueue(items: string[]): Promise<Queue> {
  const q: Queue = { server: undefined as unknown as Server, url: '', items, polls: 0, hooks: [], paths: [] };
  const read = (req: IncomingMessage) => new Promise<string>((r) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => r(b));
  });
  q.server = createServer((req, res) => {
    void (async () => {
      q.paths.push(req.url ?? '');
      if (req.url === '/next') {
        q.polls++;
        const item = q.items.shift();
        if (item === undefined) return res.writeHead(204).end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ env: { ITEM: item } }));
      } else if (req.url === '/done') {
        q.hooks.push({ body: JSON.parse(await read(req)) as Record<string, unknown>, delivery: String(req.headers['x-lb-delivery']) });
        res.writeHead(200).end();
      } else res.writeHead(404).end();
    })();
  });
  await new Promise<void>((r) => q.server.listen(0, '127.0.0.1', r));
  q.url = `http://127.0.0.1:${(q.server.address() as AddressInfo).port}`;
  return q;
}

const template = (script: string) => ({ containers: [{ name: 'main', image: { name: IMAGE }, command: ['sh', '-c', script] }], termination: 1 });

/** The most tasks whose [started, finished] spans overlap at one instant. */
function mostAtOnce(tasks: Task[]): number {
  const edges = tasks.flatMap((t) => [
    [Date.parse(t.status.started!), 1],
    [Date.parse(t.status.finished!), -1],
  ]);
  // At a tie, an end comes before a start: a slot freed and taken in the same millisecond is one slot.
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d!));
  return most;
}

describe('job triggers', () => {
  let s: TestServer;
  let q: Queue;
  const ns = uniq('triggers');
  const open = uniq('open');
  const cronNs = uniq('cron');
  const events = async (namespace: string, of: string) => {
    const out: LbEvent[] = [];
    for await (const e of s.client.events({ namespace, for: of })) out.push(e);
    return out;
  };

  beforeAll(async () => {
    q = await startQueue(Array.from({ length: 10 }, (_, i) => `item-${i + 1}`));
    s = await TestServer.start();
    // The cron job first: it runs at the next full minute while the rest of the file goes on.
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: cronNs } });
    await s.client.create('job', cronNs, {
      kind: 'Job',
      meta: { name: 'minutely' },
      spec: { provider: { cron: { schedule: '* * * * *' } }, task: { template: template('echo "tick $(date -u +%H:%M:%S)"; exit 0') } },
    });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns }, spec: { egress: { allow: [`${q.url}/`] } } });
    // Everything but what is special: loopback, link-local and the metadata range still need naming.
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: open }, spec: { egress: { allow: ['0.0.0.0/0'] } } });
  });
  afterAll(async () => {
    await s?.cleanup();
    await new Promise((r) => q?.server.close(r));
  });

  it('the HTTP provider drains 10 items into 10 tasks, at most 3 at once; the hook hears of each', async () => {
    await s.client.create('job', ns, {
      kind: 'Job',
      meta: { name: 'drain' },
      spec: {
        concurrency: { limit: 3 },
        history: { succeeded: 20 },
        provider: { http: { endpoint: `${q.url}/next`, interval: '1s' } },
        hook: { http: { endpoint: `${q.url}/done` } },
        task: { template: template('echo "got $ITEM"; sleep 2') },
      },
    });
    const all = await waitFor(
      () => s.client.tasks(ns, 'drain'),
      (ts) => ts.length === 10 && ts.every((t) => t.status.state === 'succeeded'),
      '10 tasks succeeded',
      180_000,
    );
    expect(q.items).toEqual([]);
    expect(all.map((t) => t.spec.env?.[0]?.value).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `item-${i + 1}`).sort());
    const most = mostAtOnce(all);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThanOrEqual(2); // they did run side by side
    await waitFor(async () => q.hooks.length, (n) => n >= 10, 'the hook told 10 times');
    expect(new Set(q.hooks.map((h) => h.body.task))).toEqual(new Set(all.map((t) => t.meta.name)));
    expect(q.hooks.every((h) => h.body.state === 'succeeded' && (h.body.exit_codes as Record<string, number>).main === 0)).toBe(true);
    // Events are written in the background (flushed within a second or so).
    const ev = await waitFor(() => events(ns, 'job/drain'), (e) => e.filter((x) => x.reason === 'HookDelivered').length === 10, '10 HookDelivered events');
    expect(ev.filter((e) => e.reason === 'ProviderItem')).toHaveLength(10);
    // Each item was audited as a call by the job.
    const audited = [];
    for await (const r of s.client.audit({ who: `job/${ns}/drain` })) audited.push(r);
    expect(audited.filter((r) => r.status === 201)).toHaveLength(10);
  });

  it.each([
    ['loopback', () => `${q.url}/refused`, /is loopback and not allowed/],
    ['metadata', () => 'http://169.254.169.254/latest/meta-data/', /is link-local \(the metadata range\) and not allowed/],
  ])('a provider on %s is refused (the namespace allows 0.0.0.0/0, which names nothing special)', async (what, url, reason) => {
    await s.client.create('job', open, {
      kind: 'Job',
      meta: { name: `refused-${what}` },
      spec: { provider: { http: { endpoint: url(), interval: '1s' } }, task: { template: template('true') } },
    });
    const ev = await waitFor(() => events(open, `job/refused-${what}`), (e) => e.some((x) => x.reason === 'ProviderFailed'), 'the provider refused');
    expect(ev.find((x) => x.reason === 'ProviderFailed')?.message).toMatch(reason);
    expect(q.paths).not.toContain('/refused'); // never called
    expect(await s.client.tasks(open, `refused-${what}`)).toEqual([]);
  });

  it('a cron job with a one-minute schedule runs a task at the minute; its log and exit code are kept', async () => {
    const [t] = await waitFor(() => s.client.tasks(cronNs, 'minutely'), (ts) => ts.length > 0 && ts[0]!.status.state === 'succeeded', 'the first minutely task', 150_000);
    // Started within seconds of a full minute (the run's time), not whenever the job was made.
    expect(new Date(t!.meta.created).getUTCSeconds()).toBeLessThan(10);
    expect(t!.status).toMatchObject({ state: 'succeeded', containers: [{ name: 'main', exit_code: 0 }] });
    const logs = async () => {
      const out: string[] = [];
      for await (const l of s.client.taskLogs(cronNs, t!.meta.name)) out.push(l.line);
      return out;
    };
    // The collector stores a container's lines soon after it ends.
    expect(await waitFor(logs, (l) => l.length > 0, 'the task logged')).toEqual([expect.stringMatching(/^tick \d\d:\d\d:\d\d$/)]);
    const ev = await events(cronNs, 'job/minutely');
    expect(ev.find((e) => e.reason === 'CronRun')?.message).toContain(t!.meta.name);
  });
});
