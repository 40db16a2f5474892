// A small in-process test runner for the conformance suites outside jest (e.g. `lb conformance`).
// The suites register tests through the jest globals (describe/it/beforeAll/...); runTests() installs
// its own versions of those globals, lets `register` call the suite, runs the collected tests one after
// the other and puts the previous globals back — also under jest, whose own globals stay untouched.
// `expect` is jest's standalone `expect` package unless a global expect already exists.
import { stripVTControlCharacters } from 'node:util';

export interface TestResult {
  /** Names of the enclosing describe blocks, outermost first. */
  suite: string[];
  /** The test's name, or "(beforeAll)"/"(afterAll)"/"(describe)" for a failure outside any test. */
  name: string;
  status: 'pass' | 'fail';
  ms: number;
  /** Why it failed (ANSI colours removed). */
  error?: string;
}

export interface TestReport {
  results: TestResult[];
  passed: number;
  failed: number;
  ms: number;
}

export interface RunnerOptions {
  /** Default timeout of each test and hook, in ms (a third argument to it()/beforeAll() overrides it). */
  timeout?: number;
  /** Called as each result is known, e.g. to print progress. */
  onResult?: (r: TestResult) => void;
}

type Body = (() => unknown) | ((done: (err?: unknown) => void) => unknown);
interface Hook {
  fn: Body;
  timeout?: number;
}
interface Test {
  name: string;
  fn?: Body;
  timeout?: number;
}
interface Block {
  name: string;
  parent?: Block;
  children: (Block | Test)[];
  beforeAll: Hook[];
  afterAll: Hook[];
  beforeEach: Hook[];
  afterEach: Hook[];
  /** A throw from the describe callback itself. */
  error?: unknown;
}

const GLOBALS = ['describe', 'it', 'test', 'beforeAll', 'afterAll', 'beforeEach', 'afterEach', 'expect'] as const;
const DEFAULT_TIMEOUT = 120_000;

const isBlock = (x: Block | Test): x is Block => 'children' in x;
const hasTests = (b: Block): boolean => b.children.some((c) => !isBlock(c) || hasTests(c));

export function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message || e.name : String(e);
  return stripVTControlCharacters(text).trim() || 'failed without a message';
}

/** Runs `fn` (async, sync or done-callback style); rejects when it throws or takes longer than `ms`. */
async function call(fn: Body, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const body = new Promise<void>((resolve, reject) => {
    if (fn.length > 0) {
      (fn as (done: (err?: unknown) => void) => unknown)((err?: unknown) => (err ? reject(err) : resolve()));
      return;
    }
    Promise.resolve((fn as () => unknown)()).then(() => resolve(), reject);
  });
  body.catch(() => undefined); // a body that settles after its timeout must not become an unhandled rejection
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([body, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Installs the registration globals, collecting into a tree; returns the root and a restore function. */
function install(root: Block): () => void {
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = new Map(GLOBALS.map((k) => [k, Object.getOwnPropertyDescriptor(g, k)]));
  let current = root;
  const set = (k: string, value: unknown) => Object.defineProperty(g, k, { value, configurable: true, writable: true, enumerable: false });
  const hook = (list: keyof Pick<Block, 'beforeAll' | 'afterAll' | 'beforeEach' | 'afterEach'>) => (fn: Body, timeout?: number) => {
    current[list].push({ fn, timeout });
  };
  const test = (name: string, fn?: Body, timeout?: number) => {
    current.children.push({ name, fn, timeout });
  };
  const describe = (name: string, fn: () => void) => {
    const block: Block = { name, parent: current, children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
    current.children.push(block);
    current = block;
    try {
      fn();
    } catch (e) {
      block.error = e;
    } finally {
      current = block.parent ?? root;
    }
  };
  const hadExpect = saved.get('expect') !== undefined;
  set('describe', describe);
  set('it', test);
  set('test', test);
  set('beforeAll', hook('beforeAll'));
  set('afterAll', hook('afterAll'));
  set('beforeEach', hook('beforeEach'));
  set('afterEach', hook('afterEach'));
  if (!hadExpect) set('expect', loadExpect());
  return () => {
    for (const [k, d] of saved) {
      if (d) Object.defineProperty(g, k, d);
      else delete g[k];
    }
  };
}

/**
 * Outside jest the suites assert with the `expect` package: an optional peer dependency of the SDK, so a
 * driver that only runs its suites under jest does not install it twice (`lb conformance` depends on it).
 */
function loadExpect(): typeof import('expect').expect {
  try {
    return (require('expect') as typeof import('expect')).expect;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    throw new Error("the conformance suites run outside jest need the 'expect' package (an optional peer dependency of @lastbackend/sdk): npm install expect");
  }
}

class Execution {
  readonly results: TestResult[] = [];
  constructor(private readonly opts: RunnerOptions) {}

  private get timeout(): number {
    return this.opts.timeout ?? DEFAULT_TIMEOUT;
  }

  private record(r: TestResult): void {
    this.results.push(r);
    this.opts.onResult?.(r);
  }

  private async hooks(list: Hook[], what: string): Promise<void> {
    for (const h of list) await call(h.fn, h.timeout ?? this.timeout, what);
  }

  /** beforeEach of the outermost block first; afterEach of the innermost first. */
  private chain(b: Block, kind: 'beforeEach' | 'afterEach'): Hook[] {
    const blocks: Block[] = [];
    for (let x: Block | undefined = b; x; x = x.parent) blocks.unshift(x);
    const hooks = blocks.flatMap((x) => x[kind]);
    return kind === 'afterEach' ? hooks.reverse() : hooks;
  }

  private async runTest(t: Test, b: Block, path: string[], failedBefore?: string): Promise<void> {
    const start = Date.now();
    let error: string | undefined = failedBefore;
    if (!error) {
      try {
        await this.hooks(this.chain(b, 'beforeEach'), 'beforeEach');
        if (t.fn) await call(t.fn, t.timeout ?? this.timeout, `test "${t.name}"`);
      } catch (e) {
        error = errorText(e);
      }
      try {
        await this.hooks(this.chain(b, 'afterEach'), 'afterEach');
      } catch (e) {
        error ??= `afterEach: ${errorText(e)}`;
      }
    }
    this.record({ suite: path, name: t.name, status: error ? 'fail' : 'pass', ms: Date.now() - start, ...(error ? { error } : {}) });
  }

  /** Runs a block's tests; `failedBefore` is the reason when an enclosing beforeAll failed. */
  async runBlock(b: Block, path: string[], failedBefore?: string): Promise<void> {
    if (b.error !== undefined) this.record({ suite: path, name: '(describe)', status: 'fail', ms: 0, error: errorText(b.error) });
    if (!hasTests(b)) return;
    let failed = failedBefore;
    if (!failed) {
      const start = Date.now();
      try {
        await this.hooks(b.beforeAll, 'beforeAll');
      } catch (e) {
        failed = `beforeAll failed: ${errorText(e)}`;
        this.record({ suite: path, name: '(beforeAll)', status: 'fail', ms: Date.now() - start, error: errorText(e) });
      }
    }
    for (const c of b.children) {
      if (isBlock(c)) await this.runBlock(c, [...path, c.name], failed);
      else await this.runTest(c, b, path, failed);
    }
    // Like jest: afterAll runs even when beforeAll failed (it cleans up what beforeAll got done).
    const start = Date.now();
    try {
      await this.hooks(b.afterAll, 'afterAll');
    } catch (e) {
      this.record({ suite: path, name: '(afterAll)', status: 'fail', ms: Date.now() - start, error: errorText(e) });
    }
  }
}

let running = false;

/**
 * Calls `register` (which calls describe/it/..., e.g. `() => runCsiConformance('x', factory)`) with the
 * runner's globals installed, runs the tests sequentially and resolves with one result per test (plus
 * one per failing hook outside a test). The globals are restored afterwards, also on error.
 */
export async function runTests(register: () => void, opts: RunnerOptions = {}): Promise<TestReport> {
  if (running) throw new Error('runTests() is already running: its globals are process-wide, run suites one at a time');
  running = true;
  const root: Block = { name: '', children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
  const restore = install(root);
  const started = Date.now();
  try {
    const exec = new Execution(opts);
    register();
    await exec.runBlock(root, []);
    const failed = exec.results.filter((r) => r.status === 'fail').length;
    return { results: exec.results, passed: exec.results.length - failed, failed, ms: Date.now() - started };
  } finally {
    restore();
    running = false;
  }
}
