// The conformance report: a table with one row per test (and the first line of the reason under a
// failing one) and a summary line, or the same as JSON.
import type { TestReport } from '@lastbackend/sdk/testing';

export interface ConformanceReport extends TestReport {
  kind: string;
  package: string;
  version: string;
}

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim() ?? s;

export function renderConformanceTable(r: ConformanceReport): string {
  const rows = r.results.map((t) => ({ suite: t.suite.join(' > '), test: t.name, result: t.status === 'pass' ? 'PASS' : 'FAIL', ms: String(t.ms), error: t.error }));
  const head = { suite: 'SUITE', test: 'TEST', result: 'RESULT', ms: 'MS' };
  const w = (k: 'suite' | 'test' | 'result') => Math.max(head[k].length, ...rows.map((x) => x[k].length));
  const line = (x: { suite: string; test: string; result: string; ms: string }) =>
    `${x.suite.padEnd(w('suite'))}   ${x.test.padEnd(w('test'))}   ${x.result.padEnd(w('result'))}   ${x.ms}`;
  const out = [line(head)];
  for (const x of rows) {
    out.push(line(x));
    if (x.error) out.push(`    ${firstLine(x.error)}`);
  }
  out.push('', summaryLine(r));
  return out.join('\n') + '\n';
}

export const summaryLine = (r: TestReport): string => `${r.passed} passed, ${r.failed} failed (${(r.ms / 1000).toFixed(1)} s)`;

export const renderConformanceJson = (r: ConformanceReport): string => JSON.stringify(r, null, 2) + '\n';
