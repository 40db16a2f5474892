// `lb conformance KIND PACKAGE`: runs the SDK's conformance suite for a driver package without jest and
// prints a pass/fail table. Exit codes: 0 all passed, 1 a test failed, 2 usage or load error.
import { CommanderError, type Command } from 'commander';
import { isLbError } from '@lastbackend/sdk/errors';
import { CliContext } from '../context';
import { oneLine } from '../output';

interface ConformanceOptions {
  config: string;
  image?: string;
  presentImage?: string;
  vips?: string;
  traffic: boolean;
  schedulers?: string;
  timeout?: string;
  json?: boolean;
  dataDir?: string;
}

const KINDS = ['cri', 'cii', 'csi', 'cpi'] as const;
const SCHEDULERS = ['wrr', 'lc'] as const;

/** A usage mistake: exit 2 (the runner's "load error" code), not commander's 1. */
class UsageError extends Error {}

const HELP = `
Subjects the suites run against:
  cri   containers of --image (default lb-test/busybox:latest): it must be present on the runtime, have
        /bin/sh, echo, sleep, touch, test and wget, and its default command must serve HTTP on :8080
  cii   --present-image (default: --image) must be present; the suite never removes it, and pulls only
        from an unreachable loopback registry
  csi   the volumes the driver makes from --config; the suite reads and writes their host paths, so run it
        on the host the driver serves
  cpi   VIPs --vips (default 127.0.0.10,127.0.0.11) and two HTTP backends this process starts on
        127.0.0.2 and 127.0.0.3 (Linux loopback). The traffic check requests through a VIP from this
        process: it suits userspace proxies; kernel proxies (ipvs, nftables) program the host's real
        tables and usually do not serve loopback clients, so run them with --no-traffic (table checks only; the traffic check is then left out of the report, not counted as passed)

The package is looked up like the kernel does: <data dir>/drivers, then the current directory, then the
packages installed with lb. The driver gets a temp state dir, removed afterwards; containers, volumes and
table entries the suite makes are removed by the suite.

Exit code: 0 all passed, 1 a test failed, 2 usage or load error (the message names the fix).

Examples:
  lb conformance csi @lastbackend/driver-hostdir --config '{"root":"/tmp/vols"}'
  lb conformance cri @lastbackend/driver-docker --image lb-test/busybox:latest
  lb conformance cpi @example/driver-userproxy --json`;

function parseConfig(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch (e) {
    throw new UsageError(`--config: not JSON: ${(e as Error).message}`);
  }
}

function parseVips(s: string | undefined): [string, string] | undefined {
  if (s === undefined) return undefined;
  const v = s.split(',').map((x) => x.trim()).filter(Boolean);
  if (v.length !== 2) throw new UsageError(`--vips: give exactly two addresses, comma-separated (got "${s}")`);
  return [v[0], v[1]];
}

function parseSchedulers(s: string | undefined): ('wrr' | 'lc')[] | undefined {
  if (s === undefined) return undefined;
  const list = s.split(',').map((x) => x.trim()).filter(Boolean);
  for (const x of list) if (!(SCHEDULERS as readonly string[]).includes(x)) throw new UsageError(`--schedulers: "${x}" is not one of ${SCHEDULERS.join(', ')}`);
  return list as ('wrr' | 'lc')[];
}

function parseTimeout(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--timeout: "${s}" is not a positive number of milliseconds`);
  return n;
}

async function runCommand(ctx: CliContext, kind: string, pkg: string, o: ConformanceOptions): Promise<void> {
  // Loaded here: the kernel's loader and the suites are not needed by other commands.
  const { runConformance } = require('../conformance/run') as typeof import('../conformance/run');
  const { renderConformanceJson, renderConformanceTable } = require('../conformance/report') as typeof import('../conformance/report');
  const { defaultDataDir } = require('../../config/config') as typeof import('../../config/config');
  const { conformanceSources } = require('../conformance/load') as typeof import('../conformance/load');
  const { describeSources } = require('../../kernel/driver-loader') as typeof import('../../kernel/driver-loader');
  try {
    // A CNI driver rewires the network namespace it runs in: the suite needs namespaces made for it, so
    // it runs from jest (runCniConformance), not on the host the command runs on.
    if (kind === 'cni') throw new UsageError('kind "cni" is not run by this command: it would rewire this host\'s network; run runCniConformance from @lastbackend/sdk/testing in jest with a host namespace (see docs/drivers.md)');
    if (!(KINDS as readonly string[]).includes(kind)) throw new UsageError(`kind "${kind}" has no conformance suite: use one of ${KINDS.join(', ')}`);
    const report = await runConformance({
      kind: kind as (typeof KINDS)[number],
      package: pkg,
      config: parseConfig(o.config),
      dataDir: o.dataDir ?? defaultDataDir(ctx.io.env),
      image: o.image,
      presentImage: o.presentImage,
      vips: parseVips(o.vips),
      traffic: o.traffic,
      schedulers: parseSchedulers(o.schedulers),
      timeout: parseTimeout(o.timeout),
    });
    ctx.io.stdout.write(o.json ? renderConformanceJson(report) : renderConformanceTable(report));
    ctx.exitCode = report.failed === 0 ? 0 : 1;
  } catch (e) {
    // A package that cannot be loaded (the loader's LbError names the driver, the field and the fix) or a
    // usage mistake. Anything else is a bug in the runner: it propagates with exit code 1.
    if (!(e instanceof UsageError) && !isLbError(e)) throw e;
    const where = isLbError(e) && e.code === 'DRIVER_NOT_FOUND' ? ` (looked in ${describeSources(conformanceSources(o.dataDir ?? defaultDataDir(ctx.io.env))).join(', ')})` : '';
    ctx.err(`error: ${oneLine(e.message)}${where}`);
    ctx.exitCode = 2;
  }
}

export function registerConformance(program: Command, ctx: CliContext): void {
  program
    .command('conformance')
    .description("run the SDK's conformance suite for a driver package (no jest needed) and print pass/fail per test")
    .argument('<kind>', `cri, cii, csi or cpi`)
    .argument('<package>', 'driver package name (or path)')
    .option('--config <json>', "the driver's config as JSON", '{}')
    .option('--image <ref>', 'cri: image the containers run (default lb-test/busybox:latest)')
    .option('--present-image <ref>', 'cii: an image present in the store (default: --image)')
    .option('--vips <a,b>', 'cpi: two free addresses to use as VIPs (default 127.0.0.10,127.0.0.11)')
    .option('--no-traffic', 'cpi: table checks only, no requests through the VIPs')
    .option('--schedulers <list>', 'cpi: schedulers the driver supports besides rr (wrr, lc)')
    .option('--timeout <ms>', 'timeout of each test and hook (default 120000)')
    .option('--json', 'print a JSON report instead of the table')
    .option('--data-dir <dir>', 'data dir whose drivers/ folder is searched (default: $LB_DATA_DIR or ~/.lastbackend)')
    .addHelpText('after', HELP)
    .exitOverride((err) => {
      // Usage errors commander finds (missing argument, unknown option) exit 2 like ours; help exits 0.
      if (err.exitCode === 0) throw err;
      throw new CommanderError(2, err.code, err.message);
    })
    .action((kind: string, pkg: string, o: ConformanceOptions) => runCommand(ctx, kind, pkg, o));
}
