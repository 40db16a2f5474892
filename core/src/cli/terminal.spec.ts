import { Readable } from 'node:stream';
import { CliContext, type CliIo } from './context';
import { stripTerminalControls, terminalSafe } from './terminal';

const ATTACK = 'before\u001b]0;pwned\u0007\u001b[2J\u001b[1;31mred\u001b[0m\rover\u0008\u009b31m\u001bPdcs\u001b\\\u0000after\ttab\n';

describe('stripTerminalControls', () => {
  it('removes escape sequences and control characters but tab and newline', () => {
    expect(stripTerminalControls(ATTACK)).toBe('beforeredoverafter\ttab\n');
  });

  it('leaves text, unicode and a lone bracket alone', () => {
    expect(stripTerminalControls('héllo [2J] 日本 ✓\n')).toBe('héllo [2J] 日本 ✓\n');
  });

  it('removes the control bytes of a sequence cut between two writes', () => {
    const out = ['a\u001b', ']0;x\u0007b'].map(stripTerminalControls).join('');
    expect(out).not.toMatch(/[\u001b\u0007]/);
  });
});

describe('CliContext output', () => {
  const io = (tty: boolean) => {
    const out: string[] = [];
    const err: string[] = [];
    const value: CliIo = {
      stdout: { write: (s: string) => out.push(s), isTTY: tty },
      stderr: { write: (s: string) => err.push(s), isTTY: tty },
      stdin: Readable.from([]),
      env: {},
      onInterrupt: () => () => undefined,
    };
    return { value, out, err };
  };

  it('strips what goes to a terminal, through out(), err() and the raw streams alike', () => {
    const t = io(true);
    const ctx = new CliContext(t.value);
    ctx.out(ATTACK);
    ctx.err(ATTACK);
    ctx.io.stdout.write(ATTACK);
    for (const s of [...t.out, ...t.err]) expect(s).toBe('beforeredoverafter\ttab\n');
  });

  it('passes piped output through as it came', () => {
    const p = io(false);
    const ctx = new CliContext(p.value);
    ctx.out(ATTACK);
    ctx.io.stderr.write(ATTACK);
    expect(p.out).toEqual([ATTACK]);
    expect(p.err).toEqual([ATTACK]);
  });

  it('keeps the interrupt hook of the io it was given', () => {
    const t = io(true);
    let called = 0;
    t.value.onInterrupt = () => (called++, () => undefined);
    new CliContext(t.value).io.onInterrupt(() => undefined);
    expect(called).toBe(1);
  });

  it('terminalSafe returns a non-terminal sink itself', () => {
    const sink = { write: () => true };
    expect(terminalSafe(sink)).toBe(sink);
  });
});
