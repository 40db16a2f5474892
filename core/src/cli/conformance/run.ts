// `lb conformance`: loads the driver package, registers the kind's suite from @lastbackend/sdk/testing
// and runs it with the SDK's in-process runner (no jest). Loaded lazily by commands/conformance.ts.
import type { DriverInstances } from '@lastbackend/sdk';
import { runCiiConformance, runCpiConformance, runCriConformance, runCsiConformance, runTests, type RunnerOptions } from '@lastbackend/sdk/testing';
import { loadForConformance } from './load';
import type { ConformanceReport } from './report';
import { ciiSubject, cpiSubject, criSubject, csiSubject, type SubjectOptions } from './subjects';

export const CONFORMANCE_KINDS = ['cri', 'cii', 'csi', 'cpi'] as const;
export type ConformanceKind = (typeof CONFORMANCE_KINDS)[number];

export interface ConformanceRequest extends SubjectOptions {
  kind: ConformanceKind;
  package: string;
  config: unknown;
  dataDir: string;
  timeout?: number;
  onResult?: RunnerOptions['onResult'];
}

type Cleanup = () => Promise<void>;

/** Registers the suite of `kind`; its factory hands the loaded driver to the suite. */
function register(kind: ConformanceKind, name: string, d: DriverInstances, o: SubjectOptions, cleanup: Cleanup): void {
  switch (kind) {
    case 'cri':
      return runCriConformance(name, async () => criSubject(d, o, cleanup));
    case 'cii':
      return runCiiConformance(name, async () => ciiSubject(d, o, cleanup));
    case 'csi':
      return runCsiConformance(name, async () => csiSubject(d, o, cleanup));
    case 'cpi':
      return runCpiConformance(name, () => cpiSubject(d, o, cleanup), { traffic: o.traffic !== false });
  }
}

/** Throws the loader's LbError when the package cannot be loaded; otherwise resolves with the report. */
export async function runConformance(req: ConformanceRequest): Promise<ConformanceReport> {
  const driver = await loadForConformance(req.kind, req.package, req.config, req.dataDir);
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    await driver.dispose();
  };
  try {
    const report = await runTests(() => register(req.kind, req.package, driver.instances, req, dispose), { timeout: req.timeout, onResult: req.onResult });
    return { kind: req.kind, package: driver.loaded.name, version: driver.loaded.version, ...report };
  } finally {
    await dispose(); // the suite's afterAll disposes; this covers a factory that failed first
  }
}
