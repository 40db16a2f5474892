import { Readable } from 'node:stream';
import { CliContext } from '../context';
import { runForeground } from './foreground';

/** A context whose interrupt (SIGINT/SIGTERM) the test sends itself. */
function context() {
  const handlers = new Set<() => void>();
  const errors: string[] = [];
  const ctx = new CliContext({
    stdout: { write: () => true },
    stderr: { write: (t: string) => (errors.push(t), true) },
    stdin: Readable.from([]),
    env: {},
    onInterrupt: (fn) => (handlers.add(fn), () => handlers.delete(fn)),
  });
  return { ctx, errors, interrupt: () => [...handlers].forEach((fn) => fn()), handlers };
}

describe('runForeground', () => {
  let exit: jest.SpyInstance;
  beforeEach(() => (exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never)));
  afterEach(() => exit.mockRestore());

  // The shutdown's 20 s guard must not outlive a clean shutdown: here process.exit is a mock, and a guard
  // firing later would end the test runner's process.
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
  afterEach(() => {
    expect(jest.getTimerCount()).toBe(0);
    jest.useRealTimers();
  });

  it('closes what it started when interrupted, then exits 0', async () => {
    const t = context();
    const close = jest.fn(async () => undefined);
    const run = runForeground(t.ctx, 'lb test', async () => ({ close }));
    await new Promise((r) => setImmediate(r));
    t.interrupt();
    await run;
    expect(close).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
    expect(t.handlers.size).toBe(0);
  });

  it('an interrupt while it starts waits for the start, then closes (nothing left behind)', async () => {
    const t = context();
    let started!: () => void;
    const close = jest.fn(async () => undefined);
    const run = runForeground(t.ctx, 'lb test', () => new Promise((r) => (started = () => r({ close }))));
    t.interrupt(); // e.g. a SIGTERM once the API answers, before the agent is up
    expect(close).not.toHaveBeenCalled();
    expect(exit).not.toHaveBeenCalled();
    started();
    await run;
    expect(close).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('a second interrupt exits 1 at once', async () => {
    const t = context();
    const run = runForeground(t.ctx, 'lb test', () => new Promise(() => undefined)); // a start that hangs
    t.interrupt();
    t.interrupt();
    expect(exit).toHaveBeenCalledWith(1);
    expect(t.errors.join('')).toContain('interrupted again');
    void run;
  });

  it('a start that fails sets exit code 1 and stops listening', async () => {
    const t = context();
    await runForeground(t.ctx, 'lb test', async () => {
      throw new Error('port taken');
    });
    expect(t.ctx.exitCode).toBe(1);
    expect(t.errors.join('')).toContain('lb test: port taken');
    expect(t.handlers.size).toBe(0);
  });
});
