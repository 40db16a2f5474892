// exec -it: the local terminal goes raw for the session and comes back on every way out.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { LbError, type ExecSession } from '@lastbackend/sdk';
import { attachSession, INTERRUPTED_EXIT } from './exec-attach';
import { execMode } from './exec-mode';
import { parsePortSpec, parsePortSpecs } from './port-spec';
import { enterRawMode } from './raw-mode';
import type { RawStreams } from './context';

/** A terminal: stdin with setRawMode, stdout with a size that changes. */
function terminal() {
  const modes: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode(m: boolean) {
    modes.push(m);
    stdin.isRaw = m;
  } });
  let out = '';
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 80, rows: 24 });
  stdout.on('data', (c) => (out += String(c)));
  const stderr = new PassThrough();
  return { term: { stdin, stdout, stderr } as unknown as RawStreams, stdin, stdout, modes, output: () => out };
}

function session() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const resizes: [number, number][] = [];
  let end!: (v: { exitCode: number } | Error) => void;
  const waited = new Promise<{ exitCode: number }>((res, rej) => (end = (v) => (v instanceof Error ? rej(v) : res(v))));
  let killed = 0;
  const s: ExecSession = {
    stdin,
    stdout,
    stderr: null,
    resize: async (c, r) => void resizes.push([c, r]),
    wait: () => waited,
    kill: async () => {
      killed++;
      stdout.end();
      end(new LbError('UNAVAILABLE', 'the exec stream closed before the command exited'));
    },
  };
  return { s, stdin, stdout, resizes, end, killed: () => killed };
}

const proc = () => Object.assign(new EventEmitter(), {}) as EventEmitter & { once(e: 'exit', f: () => void): unknown; off(e: 'exit', f: () => void): unknown };
const never = () => () => undefined;

describe('raw mode', () => {
  it('restores the mode it found, once, also at process exit', () => {
    const t = terminal();
    const p = proc();
    const restore = enterRawMode(t.stdin, p);
    expect(t.modes).toEqual([true]);
    restore();
    restore();
    p.emit('exit');
    expect(t.modes).toEqual([true, false]);
    const again = enterRawMode(t.stdin, p);
    p.emit('exit'); // lb ends some other way: the terminal still comes back
    again();
    expect(t.modes).toEqual([true, false, true, false]);
    expect(p.listenerCount('exit')).toBe(0);
  });
});

describe('lb exec -it attached to a session', () => {
  it('forwards keys and output, sends resizes, restores the terminal and returns the remote exit code', async () => {
    const t = terminal();
    const x = session();
    const typed: string[] = [];
    x.stdin.on('data', (c) => typed.push(String(c)));
    const done = attachSession(x.s, t.term, { stdin: true, tty: true, onInterrupt: never, proc: proc() });
    expect(t.modes).toEqual([true]);
    t.stdin.write('exit 3\r');
    Object.assign(t.stdout, { columns: 132, rows: 50 });
    t.stdout.emit('resize');
    x.stdout.end('$ exit 3\r\n');
    await new Promise((r) => setImmediate(r));
    x.end({ exitCode: 3 });
    expect(await done).toBe(3);
    expect(typed.join('')).toBe('exit 3\r');
    expect(x.resizes).toEqual([[132, 50]]);
    expect(t.output()).toBe('$ exit 3\r\n');
    expect(t.modes).toEqual([true, false]);
    expect(t.stdin.listenerCount('data')).toBe(0); // nothing reads the terminal any more
  });

  it('restores the terminal when the session fails', async () => {
    const t = terminal();
    const x = session();
    const done = attachSession(x.s, t.term, { stdin: true, tty: true, onInterrupt: never, proc: proc() });
    x.stdout.end();
    x.end(new LbError('UNAVAILABLE', 'the exec stream closed before the command exited'));
    await expect(done).rejects.toThrow('closed before the command exited');
    expect(t.modes).toEqual([true, false]);
  });

  it('on SIGINT/SIGTERM: kills the session, restores the terminal, exits 130', async () => {
    const t = terminal();
    const x = session();
    let fire: () => void = () => undefined;
    let unsubscribed = false;
    const onInterrupt = (fn: () => void) => ((fire = fn), () => void (unsubscribed = true));
    const done = attachSession(x.s, t.term, { stdin: true, tty: true, onInterrupt, proc: proc() });
    fire();
    expect(await done).toBe(INTERRUPTED_EXIT);
    expect(x.killed()).toBe(1);
    expect(t.modes).toEqual([true, false]);
    expect(unsubscribed).toBe(true);
  });

  it('-i alone: no raw mode, stdin until its end', async () => {
    const t = terminal();
    const x = session();
    const got = (async () => {
      let s = '';
      for await (const c of x.stdin) s += String(c);
      return s;
    })();
    const done = attachSession(x.s, t.term, { stdin: true, tty: false, onInterrupt: never, proc: proc() });
    t.stdin.end('line\n');
    expect(await got).toBe('line\n');
    x.stdout.end();
    x.end({ exitCode: 0 });
    expect(await done).toBe(0);
    expect(t.modes).toEqual([]);
  });
});

describe('exec -i/-t, as kubectl takes them', () => {
  it('neither: the collected exec; -i: stdin; -it on a terminal: a TTY', () => {
    expect(execMode({}, true)).toEqual({ stream: false, stdin: false, tty: false });
    expect(execMode({ stdin: true }, false)).toEqual({ stream: true, stdin: true, tty: false });
    expect(execMode({ stdin: true, tty: true }, true)).toEqual({ stream: true, stdin: true, tty: true });
  });

  it('-t without a terminal on stdin, or without -i: no TTY, and a warning that says why', () => {
    expect(execMode({ stdin: true, tty: true }, false)).toEqual({ stream: true, stdin: true, tty: false, warning: 'Unable to use a TTY - input is not a terminal or the right kind of file' });
    expect(execMode({ tty: true }, true)).toMatchObject({ stdin: false, tty: false, warning: expect.stringContaining('without -i') });
  });
});

describe('port-forward ports', () => {
  it('REMOTE, LOCAL:REMOTE, :REMOTE and 0:REMOTE', () => {
    expect(parsePortSpec('8080')).toEqual({ local: 8080, remote: 8080 });
    expect(parsePortSpec('9000:80')).toEqual({ local: 9000, remote: 80 });
    expect(parsePortSpec(':80')).toEqual({ local: 0, remote: 80 });
    expect(parsePortSpec('0:80')).toEqual({ local: 0, remote: 80 });
  });

  it('refuses what is not a port, remote 0, and a local port twice (usage errors)', () => {
    for (const bad of ['', 'http', '80:', '1:2:3', '0', '70000', '8080:70000', '-1:80', '1.5'])
      expect(() => parsePortSpec(bad)).toThrow(expect.objectContaining({ name: 'UsageError', message: expect.stringContaining('must be [LOCAL:]REMOTE') }));
    expect(() => parsePortSpecs(['8080:80', '8080:81'])).toThrow('local port 8080 is given twice');
    expect(() => parsePortSpecs([])).toThrow('needs a port');
    expect(parsePortSpecs([':80', ':81'])).toEqual([{ local: 0, remote: 80 }, { local: 0, remote: 81 }]);
  });
});
