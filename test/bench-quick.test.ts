// Every benchmark at its `--quick` size, one after another, against the built dist/: it must exit 0 and
// print one BENCH_JSON line whose rows hold finite numbers (and, for a row with a peer, the peer's figure
// and the ratio). This checks that the scripts work; it never judges a figure. The benchmarks are found on
// disk (the scripts in test/bench/ and plugins/*/bench/), so one added later is run too; for
// those known here, the figures that must be there are named.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Plain JS shared with the benchmarks (scripts/bench-all.js finds them the same way). */
const { findBenchmarks } = require('./bench/lib') as { findBenchmarks: (root: string) => string[] };

const ROOT = resolve(__dirname, '..');

interface BenchRow {
  figure: string;
  value: number;
  unit: string;
  peer?: string;
  peer_value?: number;
  ratio?: number;
  target?: string;
}
interface BenchJson {
  title: string;
  quick: boolean;
  rows: BenchRow[];
}

/** A figure that must be in the rows (a RegExp where the figure names the size), and whether it has a peer. */
type Want = [figure: string | RegExp, peer: boolean];
const p = (figure: string | RegExp): Want => [figure, true];
const o = (figure: string | RegExp): Want => [figure, false];
/** The rows of an autocannon run: requests/s, p50 and p99 (against a peer's, if it has one), errors. */
const autocannon = (what: string, peer: boolean): Want[] => [[what, peer], [`${what}: p50`, peer], [`${what}: p99`, peer], o(`${what}: errors + non-2xx`)];

/** What each benchmark must report, and (for its own timeout) about how long its quick size takes here. */
const KNOWN: Record<string, { wants: Want[]; seconds: number; says?: RegExp }> = {
  'test/bench/api.js': {
    wants: [
      ...autocannon('GET one service', true),
      ...autocannon("GET a service's 10 pods", true),
      ...autocannon('POST a config (durable create)', false),
      ...['creates sent', 'creates answered 2xx in time', 'configs stored', 'configs after SIGKILL + restart', 'creates acknowledged before SIGKILL mid-run', 'acknowledged creates lost after SIGKILL mid-run'].map(o),
    ],
    seconds: 50,
  },
  'test/bench/convergence.js': {
    wants: [
      ...['lb apply (1 file)', '50% ready', '90% ready', 'all ready (from apply)', 'pods/s', 'server CPU time until all ready'].map((f) => o(new RegExp(`^[\\d,]+ pods: ${f.replace(/[()%/]/g, '\\$&')}$`))),
      o(/^time at [\d,]+ \/ time at [\d,]+ pods$/),
      o(/^server RSS when [\d,]+ pods are ready \(peak\)$/),
      o(/^server RSS with [\d,]+ pods' state \(median of \d+ s after\)$/),
    ],
    seconds: 90,
  },
  'test/bench/dashboard.js': {
    wants: [o(/^GET \/namespace\/bench\/service \(\d+, Node\)$/), o(/^GET \/namespace\/bench\/pod \(\d+, Node\)$/), p(/^namespace page: Services \(\d+\) \+ first row$/), o(/^filter \d+ services to one row$/), p(/^Overview: "\d+ ready"$/), p(/^node page: \d+ pods, first page$/)],
    seconds: 90,
  },
  'test/bench/cpi-swap.js': {
    wants: [o(/^swap with [\d,]+ services, median$/), o(/^swap with [\d,]+ services, slowest$/), o('requests during the swaps'), o('requests/s during the swaps'), o('failed requests')],
    seconds: 60,
  },
  'test/bench/deploy-latency.js': {
    wants: [p('lb run → running, median'), p('lb run → running, p99'), p('lb run --detach → running, median'), p('lb run on containerd → running, median'), p('lb run on containerd → running, p99')],
    seconds: 180,
  },
  'test/bench/footprint.js': {
    wants: ['idle (server + local agent)', 'idle, max sample', /^with [\d,]+ pods' state$/, /^with [\d,]+ pods' state, max sample$/].map(o),
    seconds: 40,
  },
  'test/bench/ingress.js': {
    wants: [p('through the ingress'), p('through the ingress: p50'), p('through the ingress: p99'), o('straight to the pod (the backend alone)'), o('through the ingress: errors + non-2xx'), o('straight to the pod: errors + non-2xx'), p('CPU per request, haproxy + backend + load generator (lower is better)'), o('CPU per request through the ingress: haproxy'), p('CPU per request: backend'), p('CPU per request: load generator')],
    seconds: 40,
  },
  'test/bench/replicas.js': {
    wants: [p('lb apply → all pods ready'), p('lb apply → all ready, per pod'), o('lb apply → first pod ready'), o('containers the platform ran')],
    seconds: 40,
  },
  'test/bench/store.js': {
    wants: [10, 100].flatMap((n) => [p(`durable creates, ${n} callers`), o(`creates resolved but missing after reopen, ${n} callers`)]),
    seconds: 15,
  },
  'test/bench/vip.js': {
    wants: [p('through the VIP (nftables)'), p('through the VIP (nftables): p50'), p('through the VIP (nftables): p99'), o('straight to the pod (the backend alone)'), o('through the VIP (nftables): errors + non-2xx'), o('straight to the pod: errors + non-2xx')],
    seconds: 40,
    says: /IPVS: not measured/, // the half it cannot measure here is said, not left out silently
  },
  'plugins/discovery/bench/qps.js': {
    wants: ['queries answered', 'server CPU per query answered (lower is better)', 'latency average', 'latency max', 'queries sent', 'queries lost', 'answers other than NOERROR'].map(p),
    seconds: 20,
  },
  'plugins/ingress-haproxy/bench/ingress.js': {
    wants: [p('through the ingress'), p('through the ingress: p50'), p('through the ingress: p99'), o('through the ingress: requests'), o('straight to the backend: requests'), o('through the ingress: errors + non-2xx'), o('straight to the backend: errors + non-2xx')],
    seconds: 15,
  },
};

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Runs `node SCRIPT --quick ARGS…`; past `ms`, SIGINT (the scripts clean up on it), then SIGKILL 20 s later. */
function runQuick(script: string, ms: number, args: string[] = []): Promise<Ran> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, [script, '--quick', ...args], { cwd: ROOT, env: { ...process.env, LB_BENCH_DRIVER_CACHE: driverCache }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    let kill: NodeJS.Timeout | undefined;
    const stop = setTimeout(() => {
      c.kill('SIGINT');
      kill = setTimeout(() => c.kill('SIGKILL'), 20_000);
    }, ms);
    c.on('error', rej);
    c.on('exit', (code, signal) => {
      clearTimeout(stop);
      if (kill) clearTimeout(kill);
      res({ code, signal, out, err });
    });
  });
}

/** The one BENCH_JSON line of a run's output, parsed. */
function benchJson(out: string): BenchJson {
  const lines = out.split('\n').filter((l) => l.startsWith('BENCH_JSON '));
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0].slice('BENCH_JSON '.length)) as BenchJson;
}

// The in-memory example driver is packed and installed once for this run, then copied (memory-driver.js).
const driverCache = mkdtempSync(join(tmpdir(), 'lb-bench-quick-'));
afterAll(() => rmSync(driverCache, { recursive: true, force: true }));

const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

const scripts = findBenchmarks(ROOT);

test('every known benchmark is found on disk', () => {
  for (const known of Object.keys(KNOWN)) expect(scripts).toContain(known);
});

describe.each(scripts)('%s --quick', (script) => {
  const known = KNOWN[script];
  // An unknown (newly added) benchmark gets two minutes.
  const budget = (known?.seconds ?? 60) * 2 * 1000;
  test(
    'exits 0 with a BENCH_JSON line of finite figures',
    async () => {
      const ran = await runQuick(script, budget);
      const why = `${script} --quick: exit ${ran.code ?? ran.signal}\n--- stdout\n${ran.out.slice(-4000)}\n--- stderr\n${ran.err.slice(-4000)}`;
      if (ran.code !== 0) throw new Error(why);
      const json = benchJson(ran.out);
      expect(typeof json.title).toBe('string');
      expect(json.quick).toBe(true);
      expect(json.rows.length).toBeGreaterThan(0);
      for (const row of json.rows) {
        expect(typeof row.figure).toBe('string');
        expect(typeof row.unit).toBe('string');
        if (!finite(row.value)) throw new Error(`${row.figure}: value ${row.value}\n${why}`);
        // A peer is named together with its figure; a ratio is there when both are and the peer's is not 0.
        if (row.peer !== undefined && !finite(row.peer_value)) throw new Error(`${row.figure}: peer ${row.peer} without a finite figure\n${why}`);
        if (row.ratio !== undefined && !finite(row.ratio)) throw new Error(`${row.figure}: ratio ${row.ratio}\n${why}`);
      }
      for (const [figure, peer] of known?.wants ?? []) {
        const row = json.rows.find((r) => (typeof figure === 'string' ? r.figure === figure : figure.test(r.figure)));
        if (!row) throw new Error(`no row ${String(figure)} in ${json.rows.map((r) => r.figure).join(' | ')}`);
        if (peer) {
          expect(typeof row.peer).toBe('string');
          expect(finite(row.peer_value)).toBe(true);
          if (row.peer_value !== 0) expect(finite(row.ratio)).toBe(true);
        }
      }
      if (known?.says) expect(ran.out).toMatch(known.says);
    },
    budget + 30_000,
  );
});

// The README's table comes from scripts/bench-all.js: every benchmark in turn, one table of their headline rows.
test('scripts/bench-all.js runs the benchmarks it is given and tabulates each row with a target or a peer', async () => {
  const ran = await runQuick('scripts/bench-all.js', 60_000, ['--only', 'test/bench/store.js']);
  if (ran.code !== 0) throw new Error(`bench-all: exit ${ran.code ?? ran.signal}\n${ran.out.slice(-3000)}\n${ran.err.slice(-3000)}`);
  expect(ran.out).toMatch(/^machine: \d+ cores, .+; load average .+ at the start, .+ at the end$/m);
  const line = ran.out.split('\n').find((l) => l.startsWith('BENCH_ALL_JSON '));
  const all = JSON.parse(line!.slice('BENCH_ALL_JSON '.length)) as { quick: boolean; runs: { script: string; code: number; rows: BenchRow[] }[] };
  expect(all.quick).toBe(true);
  expect(all.runs.map((r) => [r.script, r.code])).toEqual([['test/bench/store.js', 0]]);
  const headline = all.runs[0].rows.filter((r) => r.target !== undefined || r.peer !== undefined);
  expect(headline.length).toBeGreaterThan(0);
  const tableRows = ran.out.split('\n').filter((l) => l.startsWith('| test/bench/store.js | '));
  expect(tableRows.map((l) => l.split(' | ')[1])).toEqual(headline.map((r) => r.figure));
}, 90_000);
