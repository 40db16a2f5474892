// `lb conformance` as a driver author runs it: the built CLI loads a driver package like the kernel does
// and runs the SDK's suite without jest. A good storage driver passes; a CSI driver whose remove() is not
// idempotent fails that one test (exit 1); docker passes the CRI suite on the real engine; a missing
// package or a wrong kind is a load error (exit 2) whose message says what to do.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LB, ROOT, docker, lb, type RunResult } from './harness';

/** A CSI driver that keeps volumes under its state dir and does everything right except remove() of a missing volume. */
const BROKEN_DRIVER = `'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { defineDriver, DRIVER_API_VERSION, LbError } = require('@lastbackend/sdk');

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const GiB = 1 << 30;
const check = (r) => {
  if (!LABEL.test(r.namespace) || !LABEL.test(r.name)) throw new LbError('INVALID_ARGUMENT', 'names must be DNS labels');
};

class BrokenStorage {
  constructor(root) { this.vols = path.join(root, 'volumes'); this.files = path.join(root, 'files'); }
  info() { return { name: 'broken-csi', version: '1.0.0', api: [DRIVER_API_VERSION] }; }
  async probe() { return { state: 'ready' }; }
  async dispose() {}
  dir(r) { check(r); return path.join(this.vols, r.namespace, r.name); }
  async create(r, options) {
    const dir = this.dir(r);
    fs.mkdirSync(dir, { recursive: true });
    return { namespace: r.namespace, name: r.name, path: dir, capacity: Math.max(options.capacity || 0, GiB) };
  }
  async remove(r) {
    const dir = this.dir(r);
    // The bug under test: removing a volume that is not there must succeed, this one throws.
    if (!fs.existsSync(dir)) throw new LbError('NOT_FOUND', 'volume ' + r.namespace + '/' + r.name + ' not found');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  async list() {
    if (!fs.existsSync(this.vols)) return [];
    return fs.readdirSync(this.vols).flatMap((ns) =>
      fs.readdirSync(path.join(this.vols, ns)).map((name) => ({ namespace: ns, name, path: path.join(this.vols, ns, name), capacity: GiB })));
  }
  async path(r, sub) {
    const dir = this.dir(r);
    if (!fs.existsSync(dir)) throw new LbError('NOT_FOUND', 'volume ' + r.namespace + '/' + r.name + ' not found');
    if (sub === undefined) return dir;
    const parts = sub.split('/').filter((p) => p !== '' && p !== '.');
    if (sub.startsWith('/') || parts.includes('..')) throw new LbError('INVALID_ARGUMENT', 'sub-path leaves the volume');
    const target = path.join(dir, ...parts);
    fs.mkdirSync(target, { recursive: true });
    return target;
  }
  async putFiles(r, files) {
    check(r);
    for (const k of Object.keys(files))
      if (k === '' || k === '.' || k === '..' || k.includes('/')) throw new LbError('INVALID_ARGUMENT', 'not a plain file name: ' + k);
    const dir = path.join(this.files, r.namespace, r.name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const [k, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, k), v);
    return dir;
  }
}

module.exports.default = defineDriver({
  name: 'broken-csi',
  version: '1.0.0',
  kinds: ['csi'],
  api: DRIVER_API_VERSION,
  create: ({ stateDir }) => ({ csi: new BrokenStorage(stateDir) }),
});
`;

/** A CPI driver that keeps its table in memory: right about tables, but it serves no traffic. */
const TABLE_ONLY_DRIVER = `'use strict';
const { defineDriver, DRIVER_API_VERSION, checkServiceTable } = require('@lastbackend/sdk');

class TableOnly {
  constructor() { this.table = []; }
  info() { return { name: 'table-only', version: '1.0.0', api: [DRIVER_API_VERSION] }; }
  async probe() { return { state: 'ready' }; }
  async dispose() {}
  async setTable(table) {
    // Bad entries are left out (the SDK's check names them), the rest is the table.
    this.table = checkServiceTable(table).entries;
  }
  async list() { return JSON.parse(JSON.stringify(this.table)); }
}

module.exports.default = defineDriver({ name: 'table-only', version: '1.0.0', kinds: ['cpi'], api: DRIVER_API_VERSION, create: () => ({ cpi: new TableOnly() }) });
`;

/** Installs a driver package made of one index.js into <dataDir>/drivers, next to a link to the repo's SDK. */
function installDriver(dataDir: string, name: string, kind: string, source: string): void {
  const modules = join(dataDir, 'drivers', 'node_modules');
  const pkg = join(modules, name);
  mkdirSync(join(modules, '@lastbackend'), { recursive: true });
  mkdirSync(pkg);
  symlinkSync(join(ROOT, 'sdk'), join(modules, '@lastbackend', 'sdk'), 'dir');
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js', lastbackend: { kind: [kind], api: '2' } }));
  writeFileSync(join(pkg, 'index.js'), source);
}

const tmp: string[] = [];
const leaked: string[] = [];
const temp = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tmp.push(d);
  return d;
};
/** Like the harness's lb(), and also the child's pid: the CRI suite names its containers lbconf-<purpose>-<pid>-<hex>. */
function lbWithPid(args: string[]): Promise<RunResult & { pid: number }> {
  return new Promise((res) => {
    const child = execFile(process.execPath, [LB, ...args], { timeout: 300_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) =>
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, pid: child.pid ?? -1 }),
    );
  });
}
const containersOf = (pid: number): string[] => {
  const out = docker(['ps', '-a', '--format', '{{.Names}}', '--filter', `name=lbconf-`]);
  return out ? out.split('\n').filter((n) => n.endsWith(`-${pid}`) || n.includes(`-${pid}-`)) : [];
};

/** Table rows (not the reason lines under them) with their result. */
const rows = (stdout: string, result: 'PASS' | 'FAIL'): string[] => stdout.split('\n').filter((l) => new RegExp(`\\s${result}\\s+\\d+$`).test(l));

afterAll(() => {
  if (leaked.length) docker(['rm', '-f', ...leaked]);
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

describe('lb conformance', () => {
  it('passes @lastbackend/driver-hostdir through the CSI suite', async () => {
    const root = join(temp('lb-conf-hostdir-'), 'volumes');
    const r = await lb(['conformance', 'csi', '@lastbackend/driver-hostdir', '--config', JSON.stringify({ root })]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^SUITE\s+TEST\s+RESULT\s+MS$/);
    expect(rows(r.stdout, 'PASS').length).toBeGreaterThanOrEqual(10);
    expect(rows(r.stdout, 'FAIL')).toEqual([]);
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed \(/m);
    expect(r.stdout).toContain('remove() deletes the volume and is idempotent');
    // The suite removed its volumes; hostdir keeps only its bookkeeping at the root.
    expect(readdirSync(root).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('fails a CSI driver whose remove() is not idempotent, naming the test and the reason (exit 1)', async () => {
    const dataDir = temp('lb-conf-broken-');
    installDriver(dataDir, 'broken-csi', 'csi', BROKEN_DRIVER);

    const r = await lb(['conformance', 'csi', 'broken-csi', '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    const failed = rows(r.stdout, 'FAIL');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain('remove() deletes the volume and is idempotent');
    const lines = r.stdout.split('\n');
    expect(lines[lines.indexOf(failed[0]) + 1]).toMatch(/^\s+.*not found/);
    expect(r.stdout).toMatch(/^\d+ passed, 1 failed \(/m);
    expect(rows(r.stdout, 'PASS').length).toBeGreaterThanOrEqual(10);

    const json = await lb(['conformance', 'csi', 'broken-csi', '--data-dir', dataDir, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { package: string; failed: number; results: { name: string; status: string; error?: string }[] };
    expect(report).toMatchObject({ package: 'broken-csi', failed: 1 });
    expect(report.results.filter((t) => t.status === 'fail')).toEqual([
      expect.objectContaining({ name: 'remove() deletes the volume and is idempotent', error: expect.stringContaining('not found') }),
    ]);
  });

  it('passes @lastbackend/driver-docker through the CRI suite on the real engine, leaving no containers', async () => {
    const r = await lbWithPid(['conformance', 'cri', '@lastbackend/driver-docker', '--image', 'lb-test/busybox:latest']);
    leaked.push(...containersOf(r.pid));
    expect(r.code).toBe(0);
    expect(rows(r.stdout, 'FAIL')).toEqual([]);
    expect(rows(r.stdout, 'PASS').length).toBeGreaterThanOrEqual(15);
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed \(/m);
    expect(leaked).toEqual([]);
  });

  it('runs the CPI suite with loopback VIPs and backends: table checks pass, traffic through a VIP nothing serves fails', async () => {
    const dataDir = temp('lb-conf-cpi-');
    installDriver(dataDir, 'table-only-cpi', 'cpi', TABLE_ONLY_DRIVER);
    const tables = await lb(['conformance', 'cpi', 'table-only-cpi', '--data-dir', dataDir, '--no-traffic']);
    expect(tables.code).toBe(0);
    expect(tables.stdout).toMatch(/^6 passed, 0 failed \(/m); // the traffic check is left out, not passed
    expect(tables.stdout).not.toContain('balances a VIP');

    const traffic = await lb(['conformance', 'cpi', 'table-only-cpi', '--data-dir', dataDir, '--vips', '127.0.0.12,127.0.0.13', '--timeout', '20000']);
    expect(traffic.code).toBe(1);
    const failed = rows(traffic.stdout, 'FAIL');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain('balances a VIP over every backend');
    const lines = traffic.stdout.split('\n');
    expect(lines[lines.indexOf(failed[0]) + 1]).toMatch(/^\s+\S/); // the reason under the row
  });

  it('refuses a package that is not installed (exit 2), naming it and the fix', async () => {
    const r = await lb(['conformance', 'csi', '@example/not-installed', '--data-dir', temp('lb-conf-missing-')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/csi driver package "@example\/not-installed" is not installed\. Fix: install it \(npm install @example\/not-installed\)/);
  });

  it('refuses a driver of another kind (exit 2)', async () => {
    const r = await lb(['conformance', 'cpi', '@lastbackend/driver-hostdir']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('package "@lastbackend/driver-hostdir" is a csi driver, not a cpi driver. Fix: name a cpi driver');
  });

  it('refuses a kind without a suite and bad driver config (exit 2)', async () => {
    const kind = await lb(['conformance', 'cni', '@lastbackend/driver-vxlan']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('kind "cni" is not run by this command: it would rewire this host\'s network');
    const cfg = await lb(['conformance', 'csi', '@lastbackend/driver-hostdir', '--config', '{"root":"relative"}']);
    expect(cfg.code).toBe(2);
    expect(cfg.stderr).toContain('drivers.csi.config.root');
  });
});
