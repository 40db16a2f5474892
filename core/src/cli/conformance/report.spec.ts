import { renderConformanceTable, type ConformanceReport } from './report';

const report: ConformanceReport = {
  kind: 'csi',
  package: 'x',
  version: '1.0.0',
  passed: 1,
  failed: 1,
  ms: 1234,
  results: [
    { suite: ['CSI conformance: x'], name: 'create() works', status: 'pass', ms: 3 },
    { suite: ['CSI conformance: x', 'nested'], name: 'remove() is idempotent', status: 'fail', ms: 12, error: '\nvolume a/b not found\n    at stack' },
  ],
};

describe('renderConformanceTable', () => {
  it('aligns one row per test, puts the first line of a failure under its row, and ends with the summary', () => {
    expect(renderConformanceTable(report).split('\n')).toEqual([
      'SUITE                         TEST                     RESULT   MS',
      'CSI conformance: x            create() works           PASS     3',
      'CSI conformance: x > nested   remove() is idempotent   FAIL     12',
      '    volume a/b not found',
      '',
      '1 passed, 1 failed (1.2 s)',
      '',
    ]);
  });
});
