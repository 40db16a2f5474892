// The dashboard's namespace and service pages in a real browser (Debian's chromium through playwright-core)
// against a real `lb server` with its own node on Docker: a namespace's services, routes, volumes, secrets
// (no value anywhere in the page) and configs; a service's replicas going ready live, its versions, pods,
// events (a pull failure's warning), logs of both replicas followed live with `<script>` shown as text,
// and its manifest. No console errors, no serious or critical axe-core violations, a screenshot of each page.
import type { Page } from 'playwright-core';
import { Dashboard, brief } from './browser';
import { IMAGE, TestServer, uniq, waitFor } from './harness';

const MARK = uniq('mark');
const SCRIPT = '<script>alert(1)</script>';
const SECRET_VALUE = `s3cr3t-${uniq('v')}`;

/** Two replicas that each write a line a second: their host name, `<script>…`, the marker and a counter. */
const talker = {
  kind: 'Service',
  version: 'v1',
  meta: { name: 'talker' },
  spec: {
    replicas: 2,
    template: {
      containers: [{ name: 'c', image: { name: IMAGE }, command: ['sh', '-c', `i=0; while true; do echo "$(hostname) says ${SCRIPT} ${MARK} $i"; i=$((i+1)); sleep 1; done`] }],
    },
  },
};

describe('dashboard: the namespace and service pages', () => {
  let s: TestServer;
  let ui: Dashboard;
  const ns = uniq('uisvc');
  const dialogs: string[] = [];

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    await s.client.create('secret', ns, { kind: 'Secret', meta: { name: 'db' }, spec: { data: { password: SECRET_VALUE } } });
    await s.client.create('config', ns, { kind: 'Config', meta: { name: 'settings' }, spec: { data: { 'app.conf': 'debug=true' } } });
    await s.client.create('route', ns, { kind: 'Route', meta: { name: 'front' }, spec: { domain: 'front.example.test', rules: [{ path: '/', service: 'talker', port: 80 }] } });
    await s.client.create('volume', ns, { kind: 'Volume', meta: { name: 'data' }, spec: { capacity: { storage: '64mib' } } });
    ui = await Dashboard.launch(s);
  });
  afterAll(async () => {
    await ui?.close();
    await s?.cleanup();
  });

  /** A tab signed in as the admin, on the page at `path`. */
  async function openAt(path: string, opts?: { bypassCSP?: boolean }) {
    const t = await ui.tab(opts);
    t.page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
    await ui.signIn(t.page, s.token);
    await t.page.getByTestId('identity').waitFor();
    if (path !== '/ui/') await ui.open(t.page, `${s.url}${path}`);
    return t;
  }
  const scripts = (page: Page) => page.evaluate(() => document.querySelectorAll('script').length);

  it('from the namespaces page to a namespace (its service appearing live, secrets without values) and on to the service: pods ready live, logs followed, events, manifest', async () => {
    const { ctx, page } = await openAt('/ui/');
    await page.getByRole('link', { name: 'Namespaces', exact: true }).click();
    await page.getByTestId('namespaces').getByRole('link', { name: ns }).click();
    expect(page.url()).toBe(`${s.url}/ui/namespaces/${ns}`);
    await page.getByRole('heading', { name: `Namespace ${ns}`, level: 1 }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    // The secret shows its key, never its value; the config its key.
    const secretRow = page.getByTestId('ns-secrets').getByRole('row').filter({ hasText: 'db' });
    await secretRow.waitFor();
    expect(await secretRow.textContent()).toContain('password');
    expect(await page.getByTestId('ns-configs').getByRole('row').filter({ hasText: 'settings' }).textContent()).toContain('app.conf');
    expect(await page.content()).not.toContain(SECRET_VALUE);
    const route = page.getByTestId('ns-routes').getByRole('row').filter({ hasText: 'front' });
    expect(await route.getByRole('cell').allTextContents()).toEqual(expect.arrayContaining(['front.example.test', '/ → talker:80']));
    expect(await page.getByTestId('ns-volumes').getByRole('row').filter({ hasText: 'data' }).textContent()).toContain('64mib');

    // Made through the API while the page is open: it appears without a reload, and its link opens its page.
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same page'));
    await s.client.createService(ns, talker);
    const row = page.getByTestId('ns-services').locator('tr[data-service="talker"]');
    await row.waitFor();
    expect(await row.textContent()).toContain(IMAGE);
    await row.getByRole('link', { name: 'talker' }).click();
    expect(page.url()).toBe(`${s.url}/ui/namespaces/${ns}/services/talker`);
    await page.getByRole('heading', { name: 'Service talker', level: 1 }).waitFor();
    const scriptsBefore = await scripts(page);

    // Both replicas go ready, live: the pods table and the summary follow without a reload.
    await page.getByTestId('replicas').filter({ hasText: '2/2' }).waitFor({ timeout: 90_000 });
    const readyPods = page.getByTestId('pods').getByTestId('pod-state').filter({ hasText: /^ready$/ });
    await waitFor(() => readyPods.count(), (n) => n === 2, 'two ready pods on the page');
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
    const pods = (await s.client.pods(ns, 'talker')).filter((p) => !p.spec.destroy);
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      const podRow = page.getByTestId('pods').locator(`tr[data-pod="${p.meta.name}"]`);
      expect(await podRow.textContent()).toContain(p.meta.node);
      expect(await podRow.textContent()).toContain(p.status.network.pod_ip);
    }
    expect(await page.getByTestId('serving').textContent()).toBe('v1');
    expect(await page.getByTestId('versions').locator('tr[data-version="v1"]').textContent()).toContain('(serving)');

    // The logs: both replicas' lines arrive while following; `<script>` is text, nothing is injected.
    const logs = page.getByTestId('logs');
    for (const p of pods) await logs.locator('.service-logline', { hasText: p.meta.name }).filter({ hasText: MARK }).first().waitFor({ timeout: 30_000 });
    const line = logs.locator('.service-logtext', { hasText: MARK }).first();
    expect(await line.textContent()).toContain(`says ${SCRIPT} ${MARK}`);
    expect(await logs.locator('script').count()).toBe(0);
    expect(await scripts(page)).toBe(scriptsBefore);
    // A line written after the page opened the stream shows up (the counter goes on).
    const counted = async () => Math.max(-1, ...(await logs.locator('.service-logtext', { hasText: MARK }).allTextContents()).map((t) => Number(t.split(' ').pop())));
    const seen = await counted();
    await waitFor(counted, (n) => n > seen + 1, 'a newer log line');
    // Follow off: the stream stops and what is shown stays.
    await page.getByLabel('Follow').uncheck();
    await page.getByTestId('log-state').filter({ hasText: 'Not following' }).waitFor();
    expect(await logs.locator('.service-logtext', { hasText: MARK }).count()).toBeGreaterThan(0);
    await page.getByLabel('Follow').check();
    await page.getByTestId('log-state').filter({ hasText: 'Following all replicas' }).waitFor();

    // Its events: scheduled and started, pods' included.
    const events = page.getByTestId('service-events');
    await events.locator('li[data-reason="Started"]').first().waitFor();
    expect(await events.locator('li[data-reason="Scheduled"]').count()).toBeGreaterThan(0);

    // The manifest as `lb export` writes it: what was applied, no status or server-set fields.
    const manifest = JSON.parse((await page.getByTestId('manifest').textContent())!) as { kind: string; meta: Record<string, unknown>; spec: { replicas: number; template: { containers: { command: string[] }[] } }; status?: unknown };
    expect(manifest.kind).toBe('Service');
    expect(manifest.meta).toEqual({ name: 'talker' });
    expect(manifest.spec.replicas).toBe(2);
    expect(manifest.spec.template.containers[0].command).toEqual(talker.spec.template.containers[0].command);
    expect(manifest.status).toBeUndefined();
    await ui.shot(page, 'service');
    // A narrow window: the page does not scroll sideways (tables, logs and the manifest scroll in their box).
    await page.setViewportSize({ width: 360, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await ui.shot(page, 'service-narrow');
    await page.setViewportSize({ width: 1100, height: 800 });

    // Back to the namespace by its link: the service is ready there too.
    await page.getByRole('link', { name: ns, exact: true }).click();
    await page.getByRole('heading', { name: `Namespace ${ns}`, level: 1 }).waitFor();
    await row.getByTestId('ready').filter({ hasText: '2/2' }).waitFor();
    expect(await page.content()).not.toContain(SECRET_VALUE);
    await ui.shot(page, 'namespace');
    expect(dialogs).toEqual([]);
    await ctx.close();
  });

  it("a service whose image cannot be pulled: its page shows the PullFailed warning and the pod's reason", async () => {
    const image = '127.0.0.1:1/lb-test/none:latest'; // nothing listens there
    await s.client.createService(ns, { kind: 'Service', meta: { name: 'nopull' }, spec: { template: { containers: [{ name: 'c', image: { name: image, policy: 'if-not-present' } }] } } });
    const { ctx, page } = await openAt(`/ui/namespaces/${ns}/services/nopull`);
    const warning = page.getByTestId('service-events').locator('li[data-reason="PullFailed"]').first();
    await warning.waitFor({ timeout: 60_000 });
    expect(await warning.getAttribute('class')).toBe('service-warning');
    expect(await warning.textContent()).toContain(`pull ${image}: `);
    expect(await page.getByTestId('pods').textContent()).toContain(`pull ${image}`);
    await ui.shot(page, 'service-pull-failed');
    await ctx.close();
  });

  it('no serious or critical accessibility violations (axe-core) on the namespace and service pages', async () => {
    for (const [path, ready] of [
      [`/ui/namespaces/${ns}`, 'ns-services'],
      [`/ui/namespaces/${ns}/services/talker`, 'pods'],
    ] as const) {
      const { ctx, page } = await openAt(path, { bypassCSP: true });
      await page.getByTestId(ready).waitFor();
      await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
      expect(brief(await ui.axeOn(page))).toEqual([]);
      await ctx.close();
    }
  });

  it('no console errors on any page visited', () => {
    expect(ui.report()).toEqual([]);
  });
});
