// The dashboard's Deploy page and a service's actions in a real browser (Debian's chromium through
// playwright-core) against a real `lb server` with its node on Docker: deploy from an image (a bad field
// shows the server's reason beside it and creates nothing; a good one rolls out live), from a pasted
// manifest, from a manifest URL read by the browser (refused by CORS with a clear message, then allowed);
// scale to 3 and back, apply a change (v2 replaces v1), roll back to v1, delete after a confirmation;
// a viewer finds no Deploy link and no action; axe-core; no console errors; screenshots.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import type { LbError } from '@lastbackend/sdk';
import { Dashboard, brief } from './browser';
import { IMAGE, TestServer, readyPods, uniq, waitFor } from './harness';

/** The reasons the API gives for `field` when `body` is sent to `call`. */
async function reasons(call: Promise<unknown>, field: string): Promise<string[]> {
  const e = (await call.then(
    () => undefined,
    (x: unknown) => x,
  )) as LbError | undefined;
  if (!e) throw new Error('the API accepted what the test expected it to refuse');
  return (e.details.fields ?? []).filter((f) => f.field === field).map((f) => f.reason);
}

const serviceYaml = (name: string, replicas: number) => `kind: Service
version: v1
meta:
  name: ${name}
spec:
  replicas: ${replicas}
  template:
    containers:
      - name: ${name}
        image:
          name: ${IMAGE}
`;

describe('dashboard: deploy and service actions', () => {
  let s: TestServer;
  let ui: Dashboard;
  let files: Server;
  let filesUrl = '';
  const ns = uniq('deploy');

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    ui = await Dashboard.launch(s);
    // Manifests on another origin: one without CORS headers, one that allows any page to read it.
    files = createServer((req, res) => {
      const body = serviceYaml('fromurl', 1);
      if (req.url === '/cors.yaml') res.setHeader('access-control-allow-origin', '*');
      res.setHeader('content-type', 'application/yaml');
      res.end(body);
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await ui?.close();
    await new Promise((r) => files?.close(r));
    await s?.cleanup();
  });

  const signedIn = async (token = s.token): Promise<{ page: Page; close: () => Promise<void> }> => {
    const { ctx, page } = await ui.tab();
    await ui.signIn(page, token);
    await page.getByTestId('identity').waitFor();
    return { page, close: () => ctx.close() };
  };
  /** Chromium logs a refused call itself (status of 400): that line is this test's doing, not the page's. */
  const refusedLogged = async (path: string) => {
    const lines = await waitFor(async () => ui.errors.filter((e) => e.includes('status of 400') && e.endsWith(`${path})`)), (l) => l.length > 0, `the refusal of ${path} in the console`, 10_000);
    expect(lines).toHaveLength(1);
    ui.errors.splice(ui.errors.indexOf(lines[0]), 1);
  };
  const rolledOut = (page: Page, scope = page.getByTestId('deploy-result')) => scope.getByTestId('rollout-state').filter({ hasText: 'Rolled out.' }).waitFor({ timeout: 90_000 });

  it('deploys from an image: a bad field shows the server\'s reason beside it and creates nothing; then the pods become ready live', async () => {
    const { page, close } = await signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deploy' }).click();
    await page.getByRole('heading', { name: 'Deploy', level: 1 }).waitFor();
    await page.getByLabel('Namespace', { exact: true }).selectOption(ns);

    // An invalid name and -1 replicas: the server's reasons, each beside its input.
    const bad = { kind: 'Service', version: 'v1', meta: { name: 'Bad_Name' }, spec: { replicas: -1, template: { containers: [{ name: 'Bad_Name', image: { name: IMAGE }, env: [] }] } } };
    const [nameReason] = await reasons(s.client.createService(ns, bad), 'meta.name');
    const [replicasReason] = await reasons(s.client.createService(ns, bad), 'spec.replicas');
    expect(nameReason).toBeTruthy();
    expect(replicasReason).toBeTruthy();
    await page.getByLabel('Name', { exact: true }).fill('Bad_Name');
    await page.getByLabel('Image', { exact: true }).fill(IMAGE);
    await page.getByLabel('Replicas', { exact: true }).fill('-1');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await expect(page.getByTestId('deploy-replicas-error').textContent()).resolves.toBe(replicasReason);
    expect(await page.getByTestId('deploy-name-error').textContent()).toContain(nameReason);
    expect(await page.getByLabel('Replicas', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await s.client.services(ns)).toEqual([]);
    await refusedLogged(`/namespace/${ns}/service`);
    await ui.shot(page, 'deploy-invalid');

    // A good one: 2 replicas, a port, an env row. What the progress says is recorded as it changes.
    await page.getByLabel('Name', { exact: true }).fill('web');
    await page.getByLabel('Replicas', { exact: true }).fill('2');
    await page.getByLabel('Ports').fill('80:8080');
    await page.getByRole('button', { name: 'Add a variable' }).click();
    await page.getByLabel('Variable 1 name').fill('GREETING');
    await page.getByLabel('Variable 1 value').fill('hello');
    await page.evaluate(() => {
      const seen: string[] = ((window as unknown as { rolloutSeen: string[] }).rolloutSeen = []);
      new MutationObserver(() => {
        const t = document.querySelector('[data-testid="deploy-result"] [data-testid="rollout-state"]')?.textContent;
        if (t && seen[seen.length - 1] !== t) seen.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.getByTestId('deploy-result').getByText('service/web created').waitFor();
    expect(await page.getByTestId('deploy-replicas-error').count()).toBe(0);
    await rolledOut(page);
    // No pod exists when the create answers: the page said "Rolling out…" first, then the watch brought it to the end.
    const seen = await page.evaluate(() => (window as unknown as { rolloutSeen: string[] }).rolloutSeen);
    expect(seen.indexOf('Rolling out…')).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf('Rolling out…')).toBeLessThan(seen.indexOf('Rolled out.'));
    const result = page.getByTestId('deploy-result');
    expect(await result.getByTestId('rollout-counts').textContent()).toBe('2 desired, 2 updated, 2 ready');
    expect(await result.getByTestId('pod-phase').allTextContents()).toEqual(['ready', 'ready']);
    const svc = await s.client.service(ns, 'web');
    expect(svc.spec.network?.ports).toEqual(['80:8080/tcp']);
    expect(svc.spec.template.containers[0].env).toEqual([{ name: 'GREETING', value: 'hello' }]);
    await ui.shot(page, 'deploy-rolled-out');
    await close();
  });

  it('applies a pasted manifest of two documents; a bad one shows the field path and reason under the editor', async () => {
    const { page, close } = await signedIn();
    await ui.open(page, `${s.url}/ui/deploy`);
    await page.getByLabel('Namespace', { exact: true }).selectOption(ns);
    await page.getByRole('tab', { name: 'Paste a manifest' }).click();
    const editor = page.getByLabel(/^Manifest \(YAML or JSON/);
    const [reason] = await reasons(s.client.apply(ns, [{ kind: 'Service', version: 'v1', meta: { name: 'api' }, spec: { replicas: 1, template: { containers: [{ name: 'api', image: { name: IMAGE } }] } } }, { kind: 'Service', version: 'v1', meta: { name: 'api2' }, spec: { replicas: -1, template: { containers: [{ name: 'api2', image: { name: IMAGE } }] } } }]), 'manifests.1.spec.replicas');
    expect(reason).toBeTruthy();
    await editor.fill(`# two services\n${serviceYaml('api', 1)}---\n${serviceYaml('api2', -1)}`);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByTestId('deploy-problems').textContent()).resolves.toBe(`document 2, spec.replicas: ${reason}`);
    expect((await s.client.services(ns)).map((x) => x.meta.name)).toEqual(['web']);
    await refusedLogged(`/namespace/${ns}/apply`);

    // Not YAML at all: said so, nothing sent.
    await editor.fill('kind: [unclosed');
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(await page.getByTestId('deploy-problems').textContent()).toMatch(/^The manifest is not valid YAML or JSON: document 1: /);

    await editor.fill(`${serviceYaml('api', 1)}---\n${serviceYaml('api2', 1)}`);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('deploy-result').getByText('service/api2 created').waitFor();
    expect(await page.getByTestId('deploy-result').getByText('service/api created').count()).toBe(1);
    await rolledOut(page);
    expect(await page.getByTestId('deploy-result').getByTestId('rollout-counts').allTextContents()).toEqual(['1 desired, 1 updated, 1 ready', '1 desired, 1 updated, 1 ready']);
    await ui.shot(page, 'deploy-manifest');
    // An apply that changes a service already there: its progress waits for the change (not the list
    // from before it, where api was 1 of 1 ready).
    await editor.fill(`${serviceYaml('api', 2)}---\n${serviceYaml('api2', 1)}`);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('deploy-result').getByText('service/api updated').waitFor();
    await rolledOut(page);
    expect(await page.getByTestId('deploy-result').getByTestId('rollout-counts').allTextContents()).toEqual(['2 desired, 2 updated, 2 ready', '1 desired, 1 updated, 1 ready']);
    // A narrow window: the form and the progress fit; tables scroll inside their box.
    await page.setViewportSize({ width: 360, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await ui.shot(page, 'deploy-narrow');
    await close();
  });

  it('applies a manifest URL read by the browser: without CORS headers it says so, with them it applies', async () => {
    const { page, close } = await signedIn();
    await ui.open(page, `${s.url}/ui/deploy`);
    await page.getByLabel('Namespace', { exact: true }).selectOption(ns);
    await page.getByRole('tab', { name: 'From a manifest URL' }).click();
    await page.getByLabel('Manifest URL', { exact: true }).fill(`${filesUrl}/plain.yaml`);
    await page.getByRole('button', { name: 'Read and apply' }).click();
    const error = page.getByTestId('deploy-url-error');
    await error.waitFor();
    expect(await error.textContent()).toBe(`The browser may not read ${filesUrl}/plain.yaml: its server does not allow this page (no Access-Control-Allow-Origin header for ${s.url}, CORS). Serve it with that header, or paste the manifest instead.`);
    expect(await page.getByLabel('Manifest URL', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await ui.shot(page, 'deploy-url-cors');
    // Chromium logs the refused read itself: those lines are this test's doing, not the page's.
    const refused = await waitFor(async () => ui.errors.filter((e) => e.includes(`${filesUrl}/plain.yaml`)), (l) => l.length > 0, 'the refused read in the console', 10_000);
    for (const r of refused) ui.errors.splice(ui.errors.indexOf(r), 1);
    expect((await s.client.services(ns)).map((x) => x.meta.name)).not.toContain('fromurl');

    await page.getByLabel('Manifest URL', { exact: true }).fill(`${filesUrl}/cors.yaml`);
    await page.getByRole('button', { name: 'Read and apply' }).click();
    await page.getByTestId('deploy-result').getByText('service/fromurl created').waitFor();
    await rolledOut(page);
    await close();
  });

  it('service actions: scale to 3 and back to 1, apply a change (v2 replaces v1), roll back to v1, delete after a confirmation', async () => {
    const { page, close } = await signedIn();
    await ui.open(page, `${s.url}/ui/namespaces/${ns}/services/web`);
    const actions = page.getByTestId('service-actions');
    await actions.waitFor();
    const run = (n: number) => actions.locator(`[data-run="${n}"]`);
    const runEnds = async (n: number, counts: string) => {
      await rolledOut(page, run(n));
      expect(await run(n).getByTestId('rollout-counts').textContent()).toBe(counts);
    };

    // A refused scale: the server's reason beside the input.
    const [reason] = await reasons(s.client.scale(ns, 'web', -1), 'spec.replicas');
    await page.getByLabel('Replicas', { exact: true }).fill('-1');
    await page.getByRole('button', { name: 'Scale' }).click();
    await expect(page.locator('#actions-replicas-error').textContent()).resolves.toBe(reason);
    await refusedLogged(`/namespace/${ns}/service/web`);

    await page.getByLabel('Replicas', { exact: true }).fill('3');
    await page.getByRole('button', { name: 'Scale' }).click();
    await runEnds(1, '3 desired, 3 updated, 3 ready');
    expect(readyPods(await s.pods(ns, 'web'))).toHaveLength(3);
    await ui.shot(page, 'actions-scaled');
    await page.getByLabel('Replicas', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Scale' }).click();
    await runEnds(2, '1 desired, 1 updated, 1 ready');

    // Edit and apply: a changed env makes v2, which replaces v1.
    await page.getByRole('button', { name: 'Edit manifest…' }).click();
    const editor = page.getByLabel('Manifest of web (YAML)');
    const yaml = await editor.inputValue();
    expect(yaml).toContain('value: hello');
    await editor.fill(yaml.replace('value: hello', 'value: again'));
    await page.getByRole('button', { name: 'Apply' }).click();
    await runEnds(3, '1 desired, 1 updated, 1 ready');
    expect(await run(3).locator('[data-rollout-service="web"]').textContent()).toContain('web v2:');
    let svc = await s.client.service(ns, 'web');
    expect([svc.status.deployment, svc.spec.template.containers[0].env]).toEqual(['v2', [{ name: 'GREETING', value: 'again' }]]);
    // The old version's pod is told to go once v2 serves: it goes.
    await waitFor(async () => (await s.pods(ns, 'web')).filter((p) => !p.spec.destroy).map((p) => p.meta.deployment), (d) => d.join() === 'v2', 'only v2 left');

    // Roll back to v1: it comes back as v3.
    await page.getByRole('button', { name: 'Choose a version…' }).click();
    await page.getByLabel('Version', { exact: true }).selectOption('1');
    await page.getByRole('button', { name: 'Roll back' }).click();
    await runEnds(4, '1 desired, 1 updated, 1 ready');
    expect(await run(4).locator('[data-rollout-service="web"]').textContent()).toContain('web v3:');
    svc = await s.client.service(ns, 'web');
    expect([svc.status.deployment, svc.spec.template.containers[0].env]).toEqual(['v3', [{ name: 'GREETING', value: 'hello' }]]);

    // Delete: a dialog, focus on Cancel; Escape cancels and gives focus back; Delete deletes.
    const del = page.getByRole('button', { name: 'Delete service…' });
    await del.click();
    const dialog = page.getByRole('dialog', { name: 'Delete service web?' });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await ui.shot(page, 'actions-confirm-delete');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // Focus comes back to the opener (within a few frames of the dialog going: the browser ends a modal dialog itself too).
    await page.waitForFunction(() => document.activeElement?.textContent === 'Delete service…', undefined, { timeout: 5_000 }).catch(() => undefined);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Delete service…');
    expect((await s.client.services(ns)).map((x) => x.meta.name)).toContain('web');
    await del.click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await run(5).getByTestId('rollout-state').filter({ hasText: 'Deleted.' }).waitFor({ timeout: 60_000 });
    expect((await s.client.services(ns)).map((x) => x.meta.name)).not.toContain('web');
    await ui.shot(page, 'actions-deleted');
    await close();
  });

  it('a viewer finds no Deploy link and no action', async () => {
    const viewer = await s.client.createToken({ role: 'viewer', namespaces: [ns], description: 'deploy viewer' });
    const { page, close } = await signedIn(viewer.token);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Overview' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Deploy' }).count()).toBe(0);
    await ui.open(page, `${s.url}/ui/namespaces/${ns}/services/api`);
    // The service page shows, without any action for a viewer (ServiceActions renders nothing for one).
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await page.getByTestId('service-actions').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Scale|Delete|Roll back|Edit/ }).count()).toBe(0);
    await ui.open(page, `${s.url}/ui/deploy`);
    await page.getByText('This token is a viewer: it cannot deploy.').waitFor();
    expect(await page.getByRole('button', { name: 'Deploy' }).count()).toBe(0);
    await close();
  });

  it('no serious or critical accessibility violations (axe-core) on the Deploy page and the actions', async () => {
    for (const path of ['/ui/deploy', `/ui/namespaces/${ns}/services/api`]) expect(brief(await ui.axe(s.token, path))).toEqual([]);
  });

  it('no console errors on any page visited', () => {
    expect(ui.report()).toEqual([]);
  });
});
