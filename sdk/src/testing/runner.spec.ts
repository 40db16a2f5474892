// The runner under jest: jest's own globals are present while it runs, and must be back afterwards.
import { runTests, type TestResult } from './runner';

const row = (r: TestResult) => `${[...r.suite, r.name].join(' > ')}: ${r.status}`;

describe('runTests', () => {
  it('runs nested describes and hooks in order, and restores the globals', async () => {
    const jestDescribe = describe;
    const jestExpect = expect;
    const log: string[] = [];
    const report = await runTests(() => {
      describe('outer', () => {
        beforeAll(() => void log.push('beforeAll outer'));
        afterAll(() => void log.push('afterAll outer'));
        beforeEach(() => void log.push('beforeEach outer'));
        afterEach(() => void log.push('afterEach outer'));
        it('one', () => void log.push('one'));
        describe('inner', () => {
          beforeEach(() => void log.push('beforeEach inner'));
          afterEach(() => void log.push('afterEach inner'));
          test('two', async () => {
            log.push('two');
            expect(1 + 1).toBe(2);
          });
        });
      });
    });
    expect(report.results.map(row)).toEqual(['outer > one: pass', 'outer > inner > two: pass']);
    expect(report).toMatchObject({ passed: 2, failed: 0 });
    expect(log).toEqual([
      'beforeAll outer',
      'beforeEach outer',
      'one',
      'afterEach outer',
      'beforeEach outer',
      'beforeEach inner',
      'two',
      'afterEach inner',
      'afterEach outer',
      'afterAll outer',
    ]);
    expect(describe).toBe(jestDescribe);
    expect(expect).toBe(jestExpect);
  });

  it('reports a failing expectation with its message, without colours, and keeps going', async () => {
    const report = await runTests(() => {
      describe('s', () => {
        it('fails', () => expect(1).toBe(2));
        it('passes', () => undefined);
      });
    });
    expect(report.results.map(row)).toEqual(['s > fails: fail', 's > passes: pass']);
    expect(report.results[0].error).toMatch(/^expect\(received\)\.toBe\(expected\)/);
    expect(report.results[0].error).not.toMatch(/\u001b\[/);
  });

  it('fails every test of a block whose beforeAll failed, and still runs its afterAll', async () => {
    let cleaned = false;
    let ran = false;
    const report = await runTests(() => {
      describe('s', () => {
        beforeAll(async () => {
          throw new Error('no subject');
        });
        afterAll(() => void (cleaned = true));
        it('a', () => void (ran = true));
        describe('n', () => it('b', () => void (ran = true)));
      });
    });
    expect(report.results.map(row)).toEqual(['s > (beforeAll): fail', 's > a: fail', 's > n > b: fail']);
    expect(report.results[1].error).toBe('beforeAll failed: no subject');
    expect(ran).toBe(false);
    expect(cleaned).toBe(true);
  });

  it('fails a test whose beforeEach or afterEach fails, and reports a failing afterAll', async () => {
    const report = await runTests(() => {
      describe('b', () => {
        beforeEach(() => {
          throw new Error('before');
        });
        it('x', () => undefined);
      });
      describe('a', () => {
        afterEach(() => {
          throw new Error('after');
        });
        afterAll(() => {
          throw new Error('cleanup');
        });
        it('y', () => undefined);
      });
    });
    expect(report.results.map((r) => `${row(r)} ${r.error ?? ''}`)).toEqual([
      'b > x: fail before',
      'a > y: fail afterEach: after',
      'a > (afterAll): fail cleanup',
    ]);
    expect(report.failed).toBe(3);
  });

  it('times a test out, per test or by default', async () => {
    const report = await runTests(
      () => {
        it('slow', () => new Promise((r) => setTimeout(r, 1000)), 20);
        it('slow by default', () => new Promise((r) => setTimeout(r, 1000)));
        it('done callback', (done) => void setTimeout(done, 5));
      },
      { timeout: 50 },
    );
    expect(report.results.map(row)).toEqual(['slow: fail', 'slow by default: fail', 'done callback: pass']);
    expect(report.results[0].error).toBe('test "slow" timed out after 20 ms');
  });

  it('uses the standalone expect package when no global expect exists', async () => {
    const g = globalThis as unknown as { expect?: typeof expect };
    const jestExpect = expect;
    delete g.expect;
    let used: unknown;
    try {
      const report = await runTests(() => {
        it('asymmetric matchers', async () => {
          const e = g.expect!;
          used = e;
          e({ a: 'x', n: [1, 2] }).toEqual({ a: e.any(String), n: e.arrayContaining([2]) });
          await e(Promise.resolve({ state: 'ready', x: 1 })).resolves.toMatchObject({ state: 'ready' });
        });
        it('fails', () => g.expect!('a').toBe('b'));
      });
      jestExpect(report.results.map(row)).toEqual(['asymmetric matchers: pass', 'fails: fail']);
      jestExpect(used).toBe((require('expect') as typeof import('expect')).expect);
      jestExpect(g.expect).toBeUndefined();
    } finally {
      g.expect = jestExpect;
    }
  });

  it('refuses to run twice at once', async () => {
    let inner: Promise<unknown> | undefined;
    await runTests(() => {
      it('nested', async () => {
        inner = runTests(() => undefined);
        await inner.catch(() => undefined);
      });
    });
    await expect(inner).rejects.toThrow(/already running/);
  });
});
