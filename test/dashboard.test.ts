// The web dashboard in a real browser: Debian's chromium driven by playwright-core against a real
// `lb server` (TLS, its own node on Docker). Sign-in (admin, viewer, a wrong token), the overview fed
// live by the watch API (a service's pod going ready shows without a reload), the namespaces page, the
// Content-Security-Policy, no console errors, no serious or critical axe-core violations, and a
// screenshot of each page under test-results/dashboard/. Also the built bundle's gzipped size.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { LbEvent } from '@lastbackend/sdk';
import { Dashboard, brief } from './browser';
import { ROOT, TestServer, uniq, waitFor, webService } from './harness';

const DIST = join(ROOT, 'ui', 'dist');
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https: http:; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

describe('dashboard', () => {
  let s: TestServer;
  let ui: Dashboard;
  const ns = uniq('ui');

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    ui = await Dashboard.launch(s);
  });
  afterAll(async () => {
    await ui?.close();
    await s?.cleanup();
  });

  const tab = (opts?: { bypassCSP?: boolean }) => ui.tab(opts);
  const open: Dashboard['open'] = (page, url) => ui.open(page, url);
  const signIn: Dashboard['signIn'] = (page, token) => ui.signIn(page, token);

  it('a browser opening / lands on /ui/, served with a strict Content-Security-Policy', async () => {
    const api = await s.fetch('/', { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(api.status).toBe(302);
    expect(api.headers.get('location')).toBe('/ui/');
    // An API client (no text/html) gets what it got before: the bearer check.
    expect((await s.fetch('/')).status).toBe(401);
    const { ctx, page } = await tab();
    const res = await open(page, `${s.url}/`);
    expect(page.url()).toBe(`${s.url}/ui/`);
    expect(res?.headers()['content-security-policy']).toBe(CSP);
    expect(res?.headers()['x-content-type-options']).toBe('nosniff');
    expect(res?.headers()['referrer-policy']).toBe('no-referrer');
    expect(res?.headers()['cache-control']).toBe('no-cache');
    // A deep link answers the page too; a hashed asset is cached for good, with its content type.
    const deep = await s.fetch('/ui/namespaces');
    expect([deep.status, deep.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    const js = readdirSync(join(DIST, 'assets')).find((f) => f.endsWith('.js'))!;
    const asset = await s.fetch(`/ui/assets/${js}`);
    expect([asset.status, asset.headers.get('content-type'), asset.headers.get('cache-control')]).toEqual([200, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable']);
    // Nothing outside ui/dist: an encoded ../ is no file, so the page answers.
    const out = await s.fetch('/ui/assets/..%2f..%2fpackage.json');
    expect([out.status, out.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    await page.getByLabel('API token').waitFor();
    await ui.shot(page, 'sign-in');
    await ctx.close();
  });

  it('a wrong token is refused with the server\'s reason and stays on sign-in', async () => {
    const { ctx, page } = await tab();
    await signIn(page, 'lbt.nosuch.secret');
    await expect(page.getByTestId('signin-error').textContent()).resolves.toBe('invalid token: unknown, expired or revoked');
    expect(await page.getByLabel('API token').isVisible()).toBe(true);
    expect(await page.getByTestId('identity').count()).toBe(0);
    // Chromium logs the refused call itself; that one line is this test's, not the page's fault.
    const refused = ui.errors.filter((e) => e.includes('status of 401') && e.endsWith('/auth/whoami)'));
    expect(refused).toHaveLength(1);
    ui.errors.splice(ui.errors.indexOf(refused[0]), 1);
    await ctx.close();
  });

  it('signs in with the admin token; the overview shows the node, and a new service\'s pod going ready without a reload', async () => {
    const { ctx, page } = await tab();
    await signIn(page, s.token);
    await expect(page.getByTestId('identity').textContent()).resolves.toContain('admin token (admin)');
    const nodes = page.getByTestId('nodes');
    await nodes.getByRole('rowheader', { name: s.node }).waitFor();
    expect(await nodes.getByRole('row').filter({ hasText: s.node }).textContent()).toContain('ready');
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    // Created through the API while the page is open: it appears, then its pod goes ready, live.
    await s.client.createService(ns, webService('web', 1));
    const row = page.locator('tr[data-service="web"]');
    await row.waitFor();
    // First shown not ready (the pod is being made), then ready: the same page, fed by the watch.
    expect(await row.getByTestId('ready').textContent()).toBe('0/1');
    await row.getByTestId('ready').filter({ hasText: '1/1' }).waitFor({ timeout: 60_000 });
    expect(await row.textContent()).toContain(ns);
    await ui.shot(page, 'overview');

    // The server goes away: the page says so; it comes back: the watches resume (new tickets, from the
    // last revision) and a change made after shows, still without a reload.
    ui.serverDown = true;
    await s.stop();
    await page.getByTestId('disconnected').first().waitFor();
    await ui.shot(page, 'overview-disconnected');
    await s.launch();
    ui.serverDown = false;
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('disconnected').count()).toBe(0);
    await s.client.scale(ns, 'web', 2);
    await row.getByTestId('ready').filter({ hasText: '2/2' }).waitFor({ timeout: 60_000 });

    // A pull that fails is among the recent warnings, its message as text.
    const image = '127.0.0.1:1/lb-test/none:latest'; // nothing listens there: no registry answers
    await s.client.createService(ns, { kind: 'Service', meta: { name: 'nopull' }, spec: { template: { containers: [{ name: 'c', image: { name: image, policy: 'if-not-present' } }] } } });
    await waitFor(async () => { const out: LbEvent[] = []; for await (const e of s.client.events({ namespace: ns, for: 'service/nopull' })) out.push(e); return out; }, (es) => es.some((e) => e.reason === 'PullFailed'), 'PullFailed');
    await open(page, `${s.url}/ui/`);
    const warning = page.getByTestId('warnings').getByRole('listitem').filter({ hasText: 'PullFailed' });
    await warning.waitFor();
    expect(await warning.textContent()).toContain(`pull ${image}: `);
    await ui.shot(page, 'overview-warning');

    // A deep link opens its page; the namespaces page lists the namespace with its quota use.
    await page.getByRole('link', { name: 'Namespaces' }).click();
    expect(page.url()).toBe(`${s.url}/ui/namespaces`);
    await page.waitForFunction(() => document.activeElement?.id === 'main'); // focus moves to the new page's content
    const nsRow = page.getByTestId('namespaces').getByRole('row').filter({ hasText: ns });
    await nsRow.getByRole('cell', { name: '2 / no limit', exact: true }).first().waitFor(); // its two services
    await ui.shot(page, 'namespaces');
    // A narrow window: the header wraps and the tables scroll inside their box, the page does not.
    await page.setViewportSize({ width: 360, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await ui.shot(page, 'namespaces-narrow');
    await page.setViewportSize({ width: 1100, height: 800 });
    await open(page, page.url());
    await page.getByRole('heading', { name: 'Namespaces', level: 1 }).waitFor();

    // Sign-out forgets the token: the next load asks for it again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    await open(page, page.url());
    await page.getByLabel('API token').waitFor();
    await ctx.close();
  });

  it('a viewer token signs in and the header shows its role and namespaces', async () => {
    const viewer = await s.client.createToken({ role: 'viewer', namespaces: [ns], description: 'ui viewer' });
    const { ctx, page } = await tab();
    await signIn(page, viewer.token);
    await expect(page.getByTestId('identity').textContent()).resolves.toBe(`ui viewer (viewer: ${ns})`);
    // Limited to a namespace: no cluster nodes table, its namespace's services live.
    await page.locator('tr[data-service="web"]').waitFor();
    expect(await page.getByTestId('nodes').count()).toBe(0);
    await ui.shot(page, 'overview-viewer');
    await ctx.close();
  });

  it('no serious or critical accessibility violations (axe-core) on any page', async () => {
    for (const path of ['/ui/', '/ui/namespaces']) expect(brief(await ui.axe(s.token, path))).toEqual([]);
    // The sign-in page.
    const { ctx, page } = await tab({ bypassCSP: true });
    await open(page, `${s.url}/ui/`);
    await page.getByLabel('API token').waitFor();
    expect(brief(await ui.axeOn(page))).toEqual([]);
    await ctx.close();
  });

  it('no console errors on any page visited', () => {
    expect(ui.report()).toEqual([]);
  });

  it('the built bundle (all JS and CSS of ui/dist) is under 250 kB gzipped', () => {
    const files = readdirSync(DIST, { recursive: true, encoding: 'utf8' }).map((f) => join(DIST, f)).filter((f) => statSync(f).isFile() && /\.(js|css)$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    const gz = files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    console.log(`dashboard bundle: ${files.length} files, ${(gz / 1024).toFixed(1)} kB gzipped`);
    expect(gz).toBeLessThan(250 * 1024);
  });
});
