// The dashboard's Nodes, Drivers and Events pages in a real browser (Debian's chromium through
// test/browser.ts) against a real `lb server` with its own node on Docker and a second, joined agent:
// the nodes live with their capacity (the agent's node going not-ready shows without a reload), a node's
// page with its drivers and its pods (a pod going ready live), every node's drivers, a driver swap the
// kernel refuses (its reason shown) and one it makes (the new state shown), the events live and filtered
// in the browser, what a viewer limited to a namespace sees (no swap form, no other namespace's events),
// no serious or critical axe-core violations, no console errors, and a screenshot of each page.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LbEvent } from '@lastbackend/sdk';
import type { Page } from 'playwright-core';
import { stringify } from 'yaml';
import { Dashboard, brief } from './browser';
import { IMAGE, TEST_DEFAULTS, TestAgent, TestServer, uniq, waitFor, webService } from './harness';

// A node is not-ready 3 s after its last heartbeat (the server's own beats every 0.5 s), offline only
// after 10 minutes: the stopped agent's node stays not-ready for the rest of the file.
const GRACE = { node_not_ready_after: 3, node_offline_after: 600 };
const NO_REGISTRY = '127.0.0.1:1/lb-test/none:latest'; // nothing listens there: its pull fails

// As the page writes them (ui/src/models.ts).
const cores = (milli: number) => `${(milli / 1000).toFixed(milli % 1000 ? 2 : 0)} CPU`;
const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`;

async function all(gen: AsyncGenerator<LbEvent>): Promise<LbEvent[]> {
  const out: LbEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}

describe('dashboard: nodes, drivers and events', () => {
  let s: TestServer;
  let agent: TestAgent;
  let ui: Dashboard;
  let dir: string;
  const ns = uniq('uic');
  const other = uniq('uic-other');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-ui-cluster-'));
    const cfg = join(dir, 'server.yaml');
    writeFileSync(cfg, stringify({ ...TEST_DEFAULTS, controller: GRACE, node: { heartbeat: 0.5 } }));
    s = await TestServer.start({ config: cfg });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    const joinToken = (await s.lb(['token', 'create', '--role', 'node'])).stdout.trim();
    agent = await TestAgent.start({ server: s, joinToken, name: uniq('uic-agent') });
    ui = await Dashboard.launch(s);
  });
  afterAll(async () => {
    await ui?.close();
    await agent?.cleanup();
    await s?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const signedIn = async (token = s.token, opts?: { bypassCSP?: boolean }) => {
    const t = await ui.tab(opts);
    await ui.signIn(t.page, token);
    await t.page.getByTestId('identity').waitFor();
    return t;
  };
  /** Marks the page: a reload would lose the mark. */
  const mark = (page: Page) => page.evaluate(() => void ((window as unknown as { lbMark?: number }).lbMark = 1));
  const marked = (page: Page) => page.evaluate(() => (window as unknown as { lbMark?: number }).lbMark === 1);
  /** Chromium logs a refused call as a console error: the one this test caused is not the page's fault. */
  const forgive = (pattern: RegExp) => {
    const i = ui.errors.findIndex((e) => pattern.test(e));
    expect(i).toBeGreaterThanOrEqual(0);
    ui.errors.splice(i, 1);
  };

  it("Nodes: both nodes ready with their capacity; a node's page shows its drivers and a pod going ready live; the agent's node going not-ready shows without a reload", async () => {
    const { ctx, page } = await signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Nodes' }).click();
    expect(page.url()).toBe(`${s.url}/ui/nodes`);
    const row = (name: string) => page.getByTestId('node-list').locator(`tr[data-node="${name}"]`);
    await row(s.node).getByTestId('state').filter({ hasText: /^ready$/ }).waitFor();
    await row(agent.node).getByTestId('state').filter({ hasText: /^ready$/ }).waitFor();
    const n = await s.client.node(s.node);
    expect(await row(s.node).getByTestId('cpu').textContent()).toContain(`/ ${cores(n.status.capacity.cpu)}`);
    expect(await row(s.node).getByTestId('memory').textContent()).toContain(`/ ${mib(n.status.capacity.ram)}`);
    expect(await row(s.node).getByTestId('pods').textContent()).toMatch(new RegExp(`^\\d+ / ${n.status.capacity.pods}$`));
    expect(await row(s.node).textContent()).toContain(n.status.version);
    await ui.shot(page, 'nodes');

    // The server's node: its drivers, and a pod placed on it while the page is open, going ready live.
    await row(s.node).getByRole('link', { name: s.node }).click();
    await page.getByRole('heading', { level: 1, name: `Node ${s.node}` }).waitFor();
    await page.getByTestId('node-drivers').locator('tr[data-kind="cri"]').filter({ hasText: '@lastbackend/driver-docker' }).first().waitFor();
    await mark(page);
    const web = webService('web', 1);
    await s.client.createService(ns, { ...web, spec: { ...web.spec, selector: { node: s.node } } });
    const pod = page.getByTestId('node-pods').locator('tr[data-pod]').filter({ hasText: ns });
    await pod.getByTestId('pod-state').filter({ hasText: /^ready$/ }).waitFor({ timeout: 60_000 });
    expect(await pod.textContent()).toContain('web');
    await ui.shot(page, 'node');

    // The joined agent stops: its node turns not-ready on the list, without a reload.
    await page.getByRole('link', { name: 'All nodes' }).click();
    await row(agent.node).getByTestId('state').filter({ hasText: /^ready$/ }).waitFor();
    await agent.stop();
    await row(agent.node).getByTestId('state').filter({ hasText: 'not-ready' }).waitFor({ timeout: 30_000 });
    expect(await marked(page)).toBe(true);
    expect(await row(s.node).getByTestId('state').textContent()).toBe('ready');
    await ui.shot(page, 'nodes-not-ready');
    await ctx.close();
  });

  it("Drivers: every node's drivers; a swap the kernel refuses shows its reason, one it makes shows the new state", async () => {
    const { ctx, page } = await signedIn();
    await ui.open(page, `${s.url}/ui/drivers`);
    const table = page.getByTestId('drivers');
    const csi = table.locator(`tr[data-node="${s.node}"][data-kind="csi"]`);
    await csi.filter({ hasText: '@lastbackend/driver-hostdir' }).first().waitFor();
    expect(await csi.first().getByTestId('isolation').textContent()).toBe('in-process');
    await table.locator(`tr[data-node="${agent.node}"][data-kind="cri"]`).first().waitFor();
    await mark(page);

    const form = page.getByTestId('swap-form');
    await form.getByLabel('Node', { exact: true }).selectOption(s.node);
    await form.getByRole('checkbox', { name: 'csi' }).check();
    await form.getByLabel('Package', { exact: true }).fill('@lastbackend/driver-nope');
    await form.getByRole('button', { name: 'Swap driver' }).click();
    await expect(page.getByTestId('swap-error').textContent()).resolves.toMatch(/swap of csi to @lastbackend\/driver-nope refused: .*not installed.*driver-hostdir stays/);
    forgive(/status of 4\d\d.*\/cluster\/driver\/csi\?node=/);
    await ui.shot(page, 'drivers-refused');

    await form.getByLabel('Package', { exact: true }).fill('@lastbackend/driver-hostdir');
    await form.getByLabel('Isolation', { exact: true }).selectOption('process');
    await form.getByLabel('Config (JSON)', { exact: true }).fill(JSON.stringify({ root: join(dir, 'volumes') }));
    await form.getByRole('button', { name: 'Swap driver' }).click();
    await expect(page.getByTestId('swap-result').textContent()).resolves.toMatch(new RegExp(`csi driver of ${s.node} is @lastbackend/driver-hostdir@\\S+ \\(ready, process \\d+\\)`));
    expect(await page.getByTestId('swap-error').count()).toBe(0);
    // The list follows with the node's next heartbeat, without a reload.
    await csi.filter({ hasText: /process \d+/ }).first().waitFor();
    expect(await csi.first().textContent()).toContain('ready');
    expect(await marked(page)).toBe(true);
    await ui.shot(page, 'drivers');
    await ctx.close();
  });

  it('Events: a new event shows live, newest first; filtering by warning hides the normal ones, and by text', async () => {
    const { ctx, page } = await signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' }).click();
    const table = page.getByTestId('events');
    // The cluster's: the swap above (normal), the refused one and the stopped node (warnings).
    await table.locator('tr[data-reason="DriverSwapped"]').first().waitFor();
    await table.locator('tr[data-reason="DriverFailed"]').first().waitFor();
    await table.locator('tr[data-reason="NodeNotReady"]').filter({ hasText: agent.node }).first().waitFor();
    await mark(page);

    // Made while the page is open: a service whose pull fails. Its events come in live.
    await s.client.createService(ns, { kind: 'Service', meta: { name: 'nopull' }, spec: { selector: { node: s.node }, template: { containers: [{ name: 'c', image: { name: NO_REGISTRY, policy: 'if-not-present' } }] } } });
    const pull = table.locator('tr[data-reason="PullFailed"]');
    await pull.first().waitFor({ timeout: 60_000 });
    expect(await pull.first().textContent()).toContain(`pull ${NO_REGISTRY}: `);
    await table.locator('tr[data-reason="NewVersion"]').filter({ hasText: 'nopull' }).first().waitFor();
    expect(await marked(page)).toBe(true);
    const times = await table.locator('tbody time').evaluateAll((ts) => ts.map((t) => Date.parse(t.getAttribute('datetime')!)));
    expect(times.length).toBeGreaterThan(3);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    await ui.shot(page, 'events');

    // In the browser: warnings only hides the normal ones; a text narrows them further.
    expect(await table.locator('tr[data-type="normal"]').count()).toBeGreaterThan(0);
    await page.getByLabel('Type', { exact: true }).selectOption('warning');
    await table.locator('tr[data-type="normal"]').first().waitFor({ state: 'detached' });
    expect(await table.locator('tr[data-type="warning"]').count()).toBeGreaterThan(0);
    for (const r of ['PullFailed', 'DriverFailed', 'NodeNotReady']) expect(await table.locator(`tr[data-reason="${r}"]`).count()).toBeGreaterThan(0);
    await ui.shot(page, 'events-warnings');
    await page.getByLabel('Text', { exact: true }).fill(NO_REGISTRY);
    await table.locator('tr[data-reason="DriverFailed"]').first().waitFor({ state: 'detached' });
    const reasons = await table.locator('tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-reason')));
    expect(reasons.length).toBeGreaterThan(0);
    expect(new Set(reasons)).toEqual(new Set(['PullFailed']));
    await ctx.close();
  });

  it("a viewer limited to one namespace: the drivers without a swap form; its namespace's events and the cluster's, no other namespace's", async () => {
    // Another namespace with an event of its own (a pod no node fits), shown to the admin.
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: other } });
    await s.client.createService(other, { kind: 'Service', meta: { name: 'hidden' }, spec: { selector: { node: 'nowhere' }, template: { containers: [{ name: 'c', image: { name: IMAGE } }] } } });
    await waitFor(() => all(s.client.events({ namespace: other })), (es) => es.some((e) => e.reason === 'FailedScheduling'), 'FailedScheduling in the other namespace', 60_000);
    const admin = await signedIn();
    await ui.open(admin.page, `${s.url}/ui/events`);
    await admin.page.getByTestId('events').locator('tr[data-reason="FailedScheduling"]').filter({ hasText: other }).first().waitFor();
    await admin.ctx.close();

    const viewer = await s.client.createToken({ role: 'viewer', namespaces: [ns], description: 'cluster pages viewer' });
    const { ctx, page } = await signedIn(viewer.token);
    await ui.open(page, `${s.url}/ui/drivers`);
    await page.getByTestId('drivers').locator(`tr[data-node="${s.node}"][data-kind="cri"]`).first().waitFor();
    expect(await page.getByTestId('swap-form').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Swap driver' }).count()).toBe(0);
    await page.getByText('Swapping a driver takes an admin token.').waitFor();
    await ui.shot(page, 'drivers-viewer');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' }).click();
    const table = page.getByTestId('events');
    await table.locator('tr[data-reason="PullFailed"]').first().waitFor(); // its namespace's
    await table.locator('tr[data-reason="DriverSwapped"]').first().waitFor(); // the cluster's
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    expect(await table.locator('tbody tr').filter({ hasText: other }).count()).toBe(0);
    expect(await page.getByLabel('Of', { exact: true }).locator('option').allTextContents()).toEqual(['the cluster and every namespace', 'the cluster (nodes) only', `namespace ${ns}`]);
    await ui.shot(page, 'events-viewer');
    await ctx.close();
  });

  it('no serious or critical accessibility violations (axe-core) on the three pages and a node\'s page, loaded', async () => {
    const pages: [string, string][] = [
      ['/ui/nodes', 'node-list'],
      [`/ui/nodes/${s.node}`, 'node-drivers'],
      ['/ui/drivers', 'drivers'],
      ['/ui/events', 'events'],
    ];
    for (const [path, table] of pages) {
      const { ctx, page } = await signedIn(s.token, { bypassCSP: true });
      await ui.open(page, `${s.url}${path}`);
      await page.getByTestId(table).locator('tbody tr').first().waitFor();
      expect([path, ...brief(await ui.axeOn(page))]).toEqual([path]);
      await ctx.close();
    }
  });

  it('no console errors on any page visited', () => {
    expect(ui.report()).toEqual([]);
  });
});
