// A real browser on a real `lb server` for the dashboard's tests: Debian's chromium driven by
// playwright-core (the browser build playwright would download is not reachable) in a network namespace
// of its own (test/browser-network.ts), tabs that collect console errors, sign-in, axe-core, screenshots.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import { BrowserNetwork } from './browser-network';
import { ROOT, type TestServer } from './harness';

export const SHOTS = join(ROOT, 'test-results', 'dashboard');
const AXE = require.resolve('axe-core/axe.min.js');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** One violation per line: rule, impact, help and where. */
export const brief = (vs: AxeViolation[]): string[] => vs.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);

/** A home for the browser trusting the cluster CA(s) (test/browser-home.js, shared with the dashboard benchmark). */
const { homeTrusting } = require('./browser-home') as { homeTrusting: (caFile: string | undefined) => string };

export class Dashboard {
  /** Console errors and uncaught page errors, on every page of every tab. */
  readonly errors: string[] = [];
  /** While true (the test stopped the server), failed connections are what the page shows, not errors. */
  serverDown = false;

  private constructor(
    readonly server: TestServer,
    readonly browser: Browser,
    private readonly network: BrowserNetwork,
    private readonly home: string,
  ) {}

  static async launch(server: TestServer): Promise<Dashboard> {
    mkdirSync(SHOTS, { recursive: true });
    const home = homeTrusting(server.tls ? server.caFile : undefined);
    const network = await BrowserNetwork.create().catch((e: unknown) => {
      rmSync(home, { recursive: true, force: true });
      throw e;
    });
    try {
      const browser = await chromium.launch({ executablePath: network.executable, args: ['--no-sandbox', ...network.args], env: { ...process.env, HOME: home } });
      return new Dashboard(server, browser, network, home);
    } catch (e) {
      await network.destroy();
      rmSync(home, { recursive: true, force: true });
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.network.destroy();
    rmSync(this.home, { recursive: true, force: true });
  }

  /** A browser tab on the server. */
  async tab(opts: { bypassCSP?: boolean } = {}): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await this.browser.newContext({ viewport: { width: 1100, height: 800 }, ...opts });
    const page = await ctx.newPage();
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // (Through the proxy, a refused connection reads ERR_SOCKS_CONNECTION_FAILED.)
      if (this.serverDown && /ERR_CONNECTION_REFUSED|ERR_SOCKS_CONNECTION_FAILED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|ERR_INCOMPLETE_CHUNKED_ENCODING/.test(m.text())) return;
      this.errors.push(`${page.url()}: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => this.errors.push(`${page.url()}: ${e.message}`));
    return { ctx, page };
  }

  /** Opens a page. */
  open(page: Page, url: string): Promise<Response | null> {
    return page.goto(url);
  }

  /** Signs in with `token` at /ui/ (the redirect of / to it is a test of its own). */
  async signIn(page: Page, token: string): Promise<void> {
    await this.open(page, `${this.server.url}/ui/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Serious and critical axe-core violations of the page `path` as `token` sees it. */
  async axe(token: string, path: string): Promise<AxeViolation[]> {
    // Its own tab whose CSP is bypassed: the page's own CSP forbids injecting axe.
    const { ctx, page } = await this.tab({ bypassCSP: true });
    try {
      await this.signIn(page, token);
      await page.getByTestId('identity').waitFor();
      if (path !== '/ui/') await this.open(page, `${this.server.url}${path}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      return await this.axeOn(page);
    } finally {
      await ctx.close();
    }
  }

  /** Serious and critical axe-core violations of what `page` shows now (its tab must bypass the CSP). */
  async axeOn(page: Page): Promise<AxeViolation[]> {
    await page.addScriptTag({ path: AXE });
    const found = await page.evaluate(async () => (await (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe.run()).violations);
    return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  }

  /** A screenshot of the whole page under test-results/dashboard/. */
  shot(page: Page, name: string): Promise<Buffer> {
    return page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  /** The console errors seen. */
  report(): string[] {
    return this.errors;
  }
}
