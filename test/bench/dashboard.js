#!/usr/bin/env node
// Benchmark (not a test): how long the dashboard takes to show a big namespace. An `lb server` whose CRI
// and CII are the in-memory example driver (as in convergence.js), N services of R replicas each (default
// 1,000 × 10: 10,000 pods on the server's own node), then Debian's Chromium (playwright-core) on loopback,
// timed from the start of page.goto until what the reader came for is on screen: the namespace's services
// page, filtering its list, the Overview and the node's page with all its pods. The peer, measured in the
// same run, is the API call each page is built from, made from Node: the ratio says what the browser (the
// watch, rendering) adds to the wire. Figures only: nothing here asserts a time.
// Usage: node test/bench/dashboard.js [services] [replicas] | --quick (20 services × 2 replicas, 2 runs each)
'use strict';
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { Agent, request } = require('node:https');
const { loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');
const { homeTrusting } = require('../browser-home');
const { installMemoryDriver, PACKAGE } = require('./memory-driver');
const { median, now, quick, report, sleep } = require('./lib');
const { cpuSeconds, runLb, startServer } = require('./server');

const IMAGE = 'lb-test/busybox:latest'; // only a name here: the memory runtime "pulls" it instantly
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const N = Number(args[0] ?? (quick ? 20 : 1000));
const R = Number(args[1] ?? (quick ? 2 : 10));
const RUNS = quick ? 2 : 5;
// A list of 10,000 pods is work for the server too: polling every 2 s keeps it small (a few hundred: 0.2 s).
const POLL_MS = N * R <= 1000 ? 200 : 2000;

const svcName = (i) => `s${String(i).padStart(4, '0')}`;

/** GET `path` over https with the CA trusted and the bearer token, as JSON: what a page's data costs from Node. */
function getJson(server, agent, path) {
  return new Promise((res, rej) => {
    const req = request(`${server.url}${path}`, { agent, headers: { authorization: `Bearer ${server.token}`, accept: 'application/json' } }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        if (r.statusCode !== 200) return rej(new Error(`GET ${path}: ${r.statusCode} ${Buffer.concat(chunks)}`));
        try { res(JSON.parse(Buffer.concat(chunks).toString('utf8'))); } catch (e) { rej(e); }
      });
      r.on('error', rej);
    });
    req.on('error', rej);
    req.end();
  });
}

async function main() {
  if (!Number.isInteger(N) || N < 1 || N > 9000) throw new Error('services: 1..9000');
  if (!Number.isInteger(R) || R < 1 || R > 20) throw new Error('replicas: 1..20');
  if (N * R > 10_000) throw new Error('services × replicas: at most 10,000 (one node holds them all, and node.max_pods is at most 10,000)');
  const total = N * R;
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-dash-'));
  let server, browser, agent, home;
  let cleaning;
  const cleanup = () => (cleaning ??= (async () => {
    if (browser) await browser.close().catch(() => undefined);
    agent?.destroy();
    if (server) await server.stop();
    rmSync(dir, { recursive: true, force: true });
    if (home) rmSync(home, { recursive: true, force: true });
  })());
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) process.once(sig, () => void cleanup().finally(() => process.exit(code)));
  try {
    process.stderr.write('packing examples/driver-memory and installing it into <data dir>/drivers…\n');
    const drivers = installMemoryDriver(dir);
    const node = `bench-dash-${process.pid}`;
    const cfg = join(dir, 'config.json');
    // The config allows at most 10,000 pods a node; with discovery off and no CPI the server runs no pods of its own.
    writeFileSync(cfg, JSON.stringify({ drivers, discovery: { enabled: false }, node: { max_pods: Math.min(10_000, total + 10) } }));
    server = await startServer({ dir, name: node, args: ['--config', cfg] });
    const { client } = server;
    const running = await client.drivers();
    if (!running.some((d) => d.kind === 'cri' && d.package === PACKAGE && d.state === 'ready')) throw new Error(`the memory driver is not the CRI: ${JSON.stringify(running)}`);
    await client.createNamespace({ kind: 'Namespace', meta: { name: 'bench' } });

    const file = join(dir, 'services.yaml');
    const docs = [];
    for (let i = 0; i < N; i++) docs.push(JSON.stringify({ kind: 'Service', meta: { name: svcName(i) }, spec: { replicas: R, template: { containers: [{ name: 'c', image: { name: IMAGE } }] } } }));
    writeFileSync(file, docs.join('\n---\n'));
    process.stderr.write(`applying ${N} services × ${R} replicas and waiting for ${total} pods to be ready…\n`);
    const t0 = now();
    await runLb(server, ['apply', '-f', file, '-n', 'bench', '--detach']);
    // Pods ready, then services ready (a service's state follows its pods'): the Overview counts the latter.
    for (let ready = 0, svcReady = 0; ready < total || svcReady < N; ) {
      if (now() - t0 > 600_000) throw new Error(`after 10 minutes only ${ready}/${total} pods and ${svcReady}/${N} services ready`);
      await sleep(POLL_MS);
      ready = (await client.pods('bench')).filter((p) => !p.spec.destroy && p.status.state === 'ready').length;
      if (ready >= total) svcReady = (await client.services('bench')).filter((s) => s.status.state === 'ready').length;
    }
    const converged = now() - t0;
    // The server still writes events and status for a while after the last pod is ready: measured then,
    // every figure would carry that work. Until it uses under 10% of a core (at most 60 s).
    for (let i = 0, c = cpuSeconds(server.process.pid); i < 60; i++) {
      await sleep(1000);
      const c1 = cpuSeconds(server.process.pid);
      if (c1 - c < 0.1) break;
      c = c1;
    }
    process.stderr.write(`all ready after ${(converged / 1000).toFixed(1)} s, server settled after ${((now() - t0 - converged) / 1000).toFixed(0)} s; measuring…\n`);

    // The peer: the list each page is built from, from Node over https (keep-alive, as the browser's
    // connections are), body read and parsed; a wrong count makes the run invalid.
    const load0 = loadavg()[0]; // other work on the host shows in the figures: said with them
    agent = new Agent({ keepAlive: true, ca: server.ca });
    const peer = async (path, count) => {
      await getJson(server, agent, path); // opens the connection
      const ms = [];
      for (let i = 0; i < RUNS; i++) {
        const t = now();
        const list = await getJson(server, agent, path);
        ms.push(now() - t);
        if (!Array.isArray(list) || list.length !== count) throw new Error(`GET ${path}: ${Array.isArray(list) ? list.length : typeof list} items, not ${count}`);
      }
      return ms;
    };
    const apiServices = await peer('/namespace/bench/service', N);
    const apiPods = await peer('/namespace/bench/pod', total);
    agent.destroy();
    agent = undefined;

    // The node page lists the pods of every namespace on the node: those of bench, and any the server
    // runs itself elsewhere.
    let onNode = 0;
    for (const ns of await client.namespaces()) onNode += (await client.pods(ns.meta.name)).filter((p) => p.meta.node === node).length;
    if (onNode < total) throw new Error(`only ${onNode} pods on node ${node}, not ${total}`);

    const { chromium } = require('playwright-core');
    // Playwright's own SIGINT/SIGTERM handlers would exit before cleanup() stopped the server: ours close the browser.
    // The browser trusts the cluster CA as a user who installed it would: no failed handshake per connection.
    home = homeTrusting(server.caFile);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'], env: { ...process.env, HOME: home }, handleSIGINT: false, handleSIGTERM: false });
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Chromium aborts requests when the host's addresses change (Docker adding interfaces for other work on
    // this host): a sample during which that happened measures the host, so it is taken again.
    let networkChanged = 0;
    let retaken = 0;
    page.on('console', (m) => { if (m.type() === 'error' && m.text().includes('net::ERR_NETWORK_CHANGED')) networkChanged++; });
    const sample = async (label, fn) => {
      for (let attempt = 0; ; attempt++) {
        const before = networkChanged;
        try {
          const ms = await fn();
          if (networkChanged === before) return ms;
        } catch (e) {
          // (Chromium may also show its error page for the aborted load, which interrupts page.goto; or give
          // up on a load its own retries of reset connections did not get through: ERR_TOO_MANY_RETRIES, seen
          // once in CI while other tests changed the host's interfaces. A server that keeps failing still ends
          // the run after 20 tries.)
          if (!/ERR_NETWORK_CHANGED|ERR_TOO_MANY_RETRIES|interrupted by another navigation/.test(String(e))) throw e;
        }
        if (attempt >= 20) throw new Error(`${label}: the host's network kept changing (20 tries)`);
        retaken++;
      }
    };
    // The token lives in sessionStorage: signed in once, it lasts for this tab's navigations.
    await sample('sign-in', () => page.goto(`${server.url}/`));
    await page.getByLabel('API token').fill(server.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();

    // Conditions are checked in the page on every animation frame (Playwright's own locator waits poll at
    // up to 500 ms apart, coarser than what is measured); once met, the role/text locators a reader's
    // view corresponds to are checked too, so a ui change that breaks the page check fails the run.
    const timed = async (label, url, cond, arg, verify) => {
      const ms = [];
      for (let i = 0; i < RUNS; i++) {
        ms.push(await sample(label, async () => {
          const t = now();
          await page.goto(url);
          await page.waitForFunction(cond, arg, { polling: 'raf', timeout: 120_000 }).catch(async (e) => {
            throw new Error(`${label} (${page.url()}, h1 "${await page.locator('h1').first().textContent({ timeout: 1000 }).catch(() => '?')}"): ${e.message}`);
          });
          return now() - t;
        }));
        await verify();
      }
      return ms;
    };

    // 1. The namespace page: its Services heading with the full count and the first row.
    const nsUrl = `${server.url}/ui/namespaces/bench`; // the ui's namespacePath
    const nsCond = ({ n, first }) => {
      const h = [...document.querySelectorAll('h2')].find((e) => e.textContent.startsWith(`Services (${n})`));
      const row = document.querySelector(`tr[data-service="${first}"]`);
      return !!h && h.checkVisibility() && !!row && row.checkVisibility();
    };
    const nsVerify = async () => {
      await page.getByRole('heading', { name: new RegExp(`^Services \\(${N}\\)`) }).waitFor({ timeout: 5000 });
      await page.locator(`tr[data-service="${svcName(0)}"]`).waitFor({ timeout: 5000 });
    };
    const nsPage = await timed('namespace page', nsUrl, nsCond, { n: N, first: svcName(0) }, nsVerify);

    // 2. Filtering that list: a name typed (filled at once, as a paste) until only its row is left.
    const filter = page.getByLabel(/^Filter services/);
    const rows = 'table[data-testid="ns-services"] tbody tr';
    const filterMs = [];
    if (N > 10) { // the page shows the filter box for lists longer than 10
      await sample('namespace page', () => page.goto(nsUrl));
      await page.waitForFunction(nsCond, { n: N, first: svcName(0) }, { polling: 'raf', timeout: 120_000 });
      const shownAll = await page.locator(rows).count();
      for (let i = 0; i < RUNS; i++) {
        const want = svcName(Math.floor(((i + 1) * N) / (RUNS + 1)) + (i % 2)); // spread over the list, not a prefix of s0000
        filterMs.push(await sample('filter', async () => {
          const t = now();
          await filter.fill(want);
          await page.waitForFunction(({ sel, want }) => { const r = document.querySelectorAll(sel); return r.length === 1 && r[0].getAttribute('data-service') === want && r[0].checkVisibility(); }, { sel: rows, want }, { polling: 'raf', timeout: 30_000 });
          const ms = now() - t;
          await filter.fill('');
          await page.waitForFunction(({ sel, n }) => document.querySelectorAll(sel).length === n, { sel: rows, n: shownAll }, { polling: 'raf', timeout: 30_000 });
          return ms;
        }));
      }
    }

    // 3. The Overview: the services summary under the heading 'Services' says all N are ready.
    const ovCond = ({ n }) => {
      const h = [...document.querySelectorAll('h2')].find((e) => e.textContent.trim() === 'Services');
      const p = h?.parentElement?.querySelector('p');
      return !!p && p.checkVisibility() && new RegExp(`(^|, )${n} ready(,|$)`).test(p.textContent.trim());
    };
    const ovVerify = async () => {
      await page.getByRole('region', { name: 'Services', exact: true }).locator('p').filter({ hasText: new RegExp(`(^|, )${N} ready(,|$)`) }).first().waitFor({ timeout: 5000 });
    };
    const overview = await timed('overview', `${server.url}/ui/`, ovCond, { n: N }, ovVerify);

    // 4. The node's page: the pods table has rows and says it holds all of them — the pager's
    // "Page 1 of P (T)" when there are several pages, else every row on the one page.
    const nodeCond = ({ t }) => {
      const body = document.querySelector('table[data-testid="node-pods"] tbody');
      if (!body || !body.querySelector('tr')?.checkVisibility()) return false;
      const section = body.closest('section') ?? document.body;
      const m = /Page 1 of \d+ \((\d+)\)/.exec(section.textContent);
      return m ? Number(m[1]) === t : body.querySelectorAll('tr').length === t;
    };
    const nodeVerify = async () => {
      await page.locator('table[data-testid="node-pods"] tbody tr').first().waitFor({ timeout: 5000 });
      const pager = page.getByText(new RegExp(`Page 1 of \\d+ \\(${onNode}\\)`));
      if (!(await pager.count()) && (await page.locator('table[data-testid="node-pods"] tbody tr').count()) !== onNode) throw new Error(`node page: neither a pager saying (${onNode}) nor ${onNode} rows`);
    };
    const nodePage = await timed('node page', `${server.url}/ui/nodes/${encodeURIComponent(node)}`, nodeCond, { t: onNode }, nodeVerify);

    const version = browser.version();
    const load1 = loadavg()[0];
    await browser.close();
    browser = undefined;
    if (errors.length) throw new Error(`the page threw: ${errors.join('; ')}`);

    if (retaken) console.log(`\nsamples taken again because the host's network changed during them: ${retaken}`);
    const r = (ms) => Math.round(median(ms));
    const minMax = [['GET service', apiServices], ['GET pod', apiPods], ['namespace page', nsPage], ['filter', filterMs], ['Overview', overview], ['node page', nodePage]].filter(([, ms]) => ms.length);
    console.log(`\nmin–max of the ${RUNS} runs: ${minMax.map(([k, ms]) => `${k} ${Math.round(Math.min(...ms))}–${Math.round(Math.max(...ms))} ms`).join(', ')}`);
    const getSvc = `GET /namespace/bench/service (${N}, Node)`;
    const getPods = `GET /namespace/bench/pod (${total}, Node)`;
    report({
      title: `Dashboard on ${N} services × ${R} replicas (${total} pods, @example/driver-memory), ${version} headless (load average ${load0.toFixed(1)} → ${load1.toFixed(1)}); median of ${RUNS} runs each, from page.goto`,
      rows: [
        { figure: getSvc, value: median(apiServices), unit: 'ms' },
        { figure: getPods, value: median(apiPods), unit: 'ms' },
        { figure: `namespace page: Services (${N}) + first row`, value: median(nsPage), unit: 'ms', peer: getSvc, peerValue: median(apiServices) },
        ...(filterMs.length ? [{ figure: `filter ${N} services to one row`, value: median(filterMs), unit: 'ms' }] : []),
        { figure: `Overview: "${N} ready"`, value: median(overview), unit: 'ms', peer: getSvc, peerValue: median(apiServices) },
        { figure: `node page: ${onNode} pods, first page`, value: median(nodePage), unit: 'ms', peer: getPods, peerValue: median(apiPods) },
      ],
      extra: {
        services: N, replicas: R, pods: total, pods_on_node: onNode, chromium: version, load_1m: [+load0.toFixed(2), +load1.toFixed(2)], runs: RUNS, retaken, converged_ms: Math.round(converged),
        api_services_ms: r(apiServices), api_pods_ms: r(apiPods), namespace_page_ms: r(nsPage), filter_ms: filterMs.length ? r(filterMs) : null, overview_ms: r(overview), node_page_ms: r(nodePage),
        namespace_page_ratio: +(median(nsPage) / median(apiServices)).toFixed(2), overview_ratio: +(median(overview) / median(apiServices)).toFixed(2), node_page_ratio: +(median(nodePage) / median(apiPods)).toFixed(2),
        min_max_ms: Object.fromEntries(minMax.map(([k, ms]) => [k, [Math.round(Math.min(...ms)), Math.round(Math.max(...ms))]])),
      },
    });
  } finally {
    await cleanup();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
