// A deliberately tiny shell, so that containers without a kernel behind them can still "run" the commands
// the SDK's CRI conformance suite and simple tests give them. It knows a handful of commands (see COMMANDS)
// and this grammar only:
//   list   := andor ((';' | newline) andor)*
//   andor  := stmt (('&&' | '||') stmt)*
//   stmt   := 'while' list 'do' list 'done' | word+ ['>&2']
// Words may be quoted ('…' literally, "…" with \" and \\). Anything else (variables, pipes, files other than
// the ones touched, background jobs) is refused with exit code 2 rather than guessed at; unknown commands
// exit 127 like a real shell. Files are a flat set of paths: touch adds one, test -f finds it.

export type Stream = 'stdout' | 'stderr';

/** What a command may reach: its container's files and its network namespace's loopback. */
export interface Host {
  readonly files: Set<string>;
  readonly workdir: string;
  /** Starts serving on the port; a release function, or an error message when the port is taken. */
  listen(port: number): (() => void) | string;
  /** The body served on the port of this network namespace's 127.0.0.1, or undefined when nothing listens. */
  fetch(port: number): string | undefined;
}

export interface Io {
  write(stream: Stream, text: string): void;
  /** Aborted when the container stops (or an exec times out): the running command ends at once. */
  readonly signal: AbortSignal;
}

/** Thrown when the signal ends a command; the runtime turns it into exit code 137. */
export class Killed extends Error {
  constructor() {
    super('killed');
  }
}

/** `exit N`, and the end of `exec CMD`: unwinds to the shell that runs the script. */
class Exit {
  constructor(readonly code: number) {}
}

/** Shell syntax outside the emulated grammar: refused with exit code 2. */
class Unsupported extends Error {}

type Op = ';' | '&&' | '||' | '>&2';
type Token = { word: string } | { op: Op };
interface Cmd {
  argv: string[];
  toStderr: boolean;
}
interface While {
  cond: List;
  body: List;
}
type Stmt = Cmd | While;
type AndOr = { first: Stmt; rest: { op: '&&' | '||'; stmt: Stmt }[] };
type List = AndOr[];

const UNSUPPORTED = new Set(['|', '&', '<', '>', '(', ')', '`', '$', '{', '}']);
/** Reserved words of sh that the grammar lacks: refused, rather than run as commands that do not exist. */
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'until', 'case', 'esac', 'function']);

function tokenize(script: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < script.length) {
    const ch = script[i];
    if (ch === ' ' || ch === '\t') i++;
    else if (ch === ';' || ch === '\n') (out.push({ op: ';' }), i++);
    else if (script.startsWith('&&', i) || script.startsWith('||', i)) (out.push({ op: script.slice(i, i + 2) as Op }), (i += 2));
    else if (script.startsWith('>&2', i) || script.startsWith('1>&2', i)) {
      out.push({ op: '>&2' });
      i += script.startsWith('>&2', i) ? 3 : 4;
    } else if (ch === '#' && (i === 0 || /\s|;/.test(script[i - 1]))) while (i < script.length && script[i] !== '\n') i++;
    else {
      let word = '';
      while (i < script.length && !/[\s;]/.test(script[i]) && !script.startsWith('&&', i) && !script.startsWith('||', i) && !script.startsWith('>&2', i)) {
        const c = script[i];
        if (c === "'") {
          const end = script.indexOf("'", i + 1);
          if (end < 0) throw new Unsupported('unterminated quoted string');
          word += script.slice(i + 1, end);
          i = end + 1;
        } else if (c === '"') {
          i++;
          while (i < script.length && script[i] !== '"') {
            if (script[i] === '$' || script[i] === '`') throw new Unsupported('expansion ($, `) is not emulated');
            if (script[i] === '\\' && (script[i + 1] === '"' || script[i + 1] === '\\')) i++;
            word += script[i++];
          }
          if (i >= script.length) throw new Unsupported('unterminated quoted string');
          i++;
        } else if (UNSUPPORTED.has(c)) throw new Unsupported(`"${c}" is not emulated`);
        else word += script[i++];
      }
      out.push({ word });
    }
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  parseScript(): List {
    const list = this.list(new Set());
    if (this.i < this.toks.length) throw new Unsupported(`unexpected "${this.show(this.toks[this.i])}"`);
    return list;
  }

  private show(t: Token): string {
    return 'word' in t ? t.word : t.op;
  }
  private isWord(w: string): boolean {
    const t = this.toks[this.i];
    return t !== undefined && 'word' in t && t.word === w;
  }
  private isOp(op: Op): boolean {
    const t = this.toks[this.i];
    return t !== undefined && 'op' in t && t.op === op;
  }

  /** andor items up to (not including) a keyword in `stop` at a command position. */
  private list(stop: Set<string>): List {
    const out: List = [];
    for (;;) {
      while (this.isOp(';')) this.i++;
      const t = this.toks[this.i];
      if (t === undefined || ('word' in t && stop.has(t.word))) return out;
      out.push(this.andOr(stop));
    }
  }

  private andOr(stop: Set<string>): AndOr {
    const first = this.stmt(stop);
    const rest: AndOr['rest'] = [];
    while (this.isOp('&&') || this.isOp('||')) {
      const op = (this.toks[this.i++] as { op: '&&' | '||' }).op;
      rest.push({ op, stmt: this.stmt(stop) });
    }
    return { first, rest };
  }

  private stmt(stop: Set<string>): Stmt {
    if (this.isWord('while')) {
      this.i++;
      const cond = this.list(new Set(['do']));
      this.expect('do');
      const body = this.list(new Set(['done']));
      this.expect('done');
      return { cond, body };
    }
    const head = this.toks[this.i];
    if (head !== undefined && 'word' in head && KEYWORDS.has(head.word)) throw new Unsupported(`"${head.word}" is not emulated`);
    const argv: string[] = [];
    let toStderr = false;
    for (;;) {
      const t = this.toks[this.i];
      if (t === undefined || ('word' in t && argv.length === 0 && stop.has(t.word))) break;
      if ('op' in t) {
        if (t.op !== '>&2') break;
        toStderr = true;
      } else argv.push(t.word);
      this.i++;
    }
    if (!argv.length) throw new Unsupported(`unexpected "${this.toks[this.i] ? this.show(this.toks[this.i]) : 'end of script'}"`);
    return { argv, toStderr };
  }

  private expect(word: string): void {
    if (!this.isWord(word)) throw new Unsupported(`"${word}" expected`);
    this.i++;
  }
}

/** Resolves after `ms`, or throws Killed when the signal aborts first. The timer never keeps node alive. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Killed());
    const onAbort = () => (clearTimeout(t), reject(new Killed()));
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    t.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const resolvePath = (p: string, workdir: string) => (p.startsWith('/') ? p : `${workdir.replace(/\/+$/, '')}/${p}`).replace(/\/+/g, '/');

type Command = (args: string[], host: Host, io: Io, out: (text: string) => void) => Promise<number>;

function test(args: string[], host: Host): boolean {
  if (args[0] === '!') return !test(args.slice(1), host);
  if (args.length === 0) return false;
  if (args.length === 1) return args[0] !== '';
  if (args.length === 2 && (args[0] === '-f' || args[0] === '-e')) return host.files.has(resolvePath(args[1], host.workdir));
  if (args.length === 2 && args[0] === '-n') return args[1] !== '';
  if (args.length === 2 && args[0] === '-z') return args[1] === '';
  if (args.length === 3 && args[1] === '=') return args[0] === args[2];
  if (args.length === 3 && args[1] === '!=') return args[0] !== args[2];
  throw new Unsupported(`test ${args.join(' ')}: only !, -f, -e, -n, -z, = and != are emulated`);
}

/** The commands an emulated container has. */
const COMMANDS: Record<string, Command> = {
  async echo(args, _h, _io, out) {
    const n = args[0] === '-n';
    out(args.slice(n ? 1 : 0).join(' ') + (n ? '' : '\n'));
    return 0;
  },
  true: async () => 0,
  false: async () => 1,
  async sleep(args, _h, io) {
    const s = Number(args[0]);
    if (args.length !== 1 || !Number.isFinite(s) || s < 0) {
      io.write('stderr', `sleep: invalid number '${args.join(' ')}'\n`);
      return 1;
    }
    await sleep(s * 1000, io.signal);
    return 0;
  },
  async touch(args, host) {
    for (const p of args) host.files.add(resolvePath(p, host.workdir));
    return 0;
  },
  async test(args, host) {
    return test(args, host) ? 0 : 1;
  },
  async '['(args, host, io) {
    if (args[args.length - 1] !== ']') {
      io.write('stderr', "[: missing ']'\n");
      return 2;
    }
    return test(args.slice(0, -1), host) ? 0 : 1;
  },
  /** wget [-q] [-O FILE|-] [-T SECS] URL, to 127.0.0.1/localhost of the container's network only. */
  async wget(args, host, io, out) {
    let quiet = false;
    let file: string | undefined;
    let url: string | undefined;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-q') quiet = true;
      else if (args[i] === '-O') file = args[++i];
      else if (args[i] === '-T') i++;
      else url = args[i];
    }
    let target: URL;
    try {
      target = new URL(url ?? '');
    } catch {
      io.write('stderr', `wget: bad URL '${url ?? ''}'\n`);
      return 1;
    }
    if (target.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(target.hostname)) {
      io.write('stderr', `wget: bad address '${target.host}' (the memory runtime has loopback only)\n`);
      return 1;
    }
    const port = Number(target.port || 80);
    if (!quiet) io.write('stderr', `Connecting to ${target.host} (127.0.0.1:${port})\n`);
    const body = host.fetch(port);
    if (body === undefined) {
      io.write('stderr', `wget: can't connect to remote host (127.0.0.1): Connection refused\n`);
      return 1;
    }
    if (file === '-') out(body);
    else host.files.add(resolvePath(file ?? 'index.html', host.workdir));
    return 0;
  },
  /** httpd [-f] [-p PORT] [-h DIR]: serves on the port until the container stops. */
  async httpd(args, host, io) {
    const i = args.indexOf('-p');
    const port = i >= 0 ? Number(args[i + 1]) : 80;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      io.write('stderr', `httpd: invalid port '${args[i + 1]}'\n`);
      return 1;
    }
    const release = host.listen(port);
    if (typeof release === 'string') {
      io.write('stderr', `httpd: bind: ${release}\n`);
      return 1;
    }
    try {
      await new Promise<never>((_, reject) => {
        if (io.signal.aborted) reject(new Killed());
        io.signal.addEventListener('abort', () => reject(new Killed()), { once: true });
      });
    } finally {
      release();
    }
    return 0;
  },
  async sh(args, host, io, out) {
    if (args[0] !== '-c' || args.length < 2) {
      io.write('stderr', 'sh: only `sh -c SCRIPT` is emulated\n');
      return 2;
    }
    return script(args[1], host, { signal: io.signal, write: (s, t) => (s === 'stdout' ? out(t) : io.write(s, t)) });
  },
};

async function runCmd(cmd: Cmd, host: Host, io: Io): Promise<number> {
  if (io.signal.aborted) throw new Killed();
  const [name, ...args] = cmd.argv;
  if (name === 'exit') throw new Exit(args.length ? Number(args[0]) & 255 : 0);
  if (name === 'exec') throw new Exit(args.length ? await runArgv(args, host, io, cmd.toStderr) : 0);
  return runArgv(cmd.argv, host, io, cmd.toStderr);
}

async function runArgv(argv: string[], host: Host, io: Io, toStderr = false): Promise<number> {
  const name = argv[0].replace(/^\/(usr\/)?s?bin\//, '');
  const fn = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!fn) {
    io.write('stderr', `sh: ${argv[0]}: not found\n`);
    return 127;
  }
  return fn(argv.slice(1), host, io, (text) => io.write(toStderr ? 'stderr' : 'stdout', text));
}

async function runList(list: List, host: Host, io: Io): Promise<number> {
  let status = 0;
  for (const item of list) {
    status = await runStmt(item.first, host, io);
    for (const { op, stmt } of item.rest) if ((op === '&&') === (status === 0)) status = await runStmt(stmt, host, io);
  }
  return status;
}

async function runStmt(stmt: Stmt, host: Host, io: Io): Promise<number> {
  if ('argv' in stmt) return runCmd(stmt, host, io);
  let status = 0;
  while ((await runList(stmt.cond, host, io)) === 0) {
    status = await runList(stmt.body, host, io);
    // A loop without a sleep must not starve the event loop (the runtime's other containers, the kernel).
    await new Promise((r) => setImmediate(r));
  }
  return status;
}

/** Runs a script like `sh -c`; resolves with its exit status (2 for what is not emulated). */
export async function script(text: string, host: Host, io: Io): Promise<number> {
  try {
    return await runList(new Parser(tokenize(text)).parseScript(), host, io);
  } catch (e) {
    if (e instanceof Exit) return e.code;
    if (e instanceof Unsupported) {
      io.write('stderr', `sh: ${e.message} (the memory runtime emulates a small shell only)\n`);
      return 2;
    }
    throw e;
  }
}

/** Runs a container's command or an exec. Rejects with Killed when the signal ends it. */
export async function run(argv: string[], host: Host, io: Io): Promise<number> {
  if (!argv.length) {
    io.write('stderr', 'no command\n');
    return 127;
  }
  try {
    return await runArgv(argv, host, io);
  } catch (e) {
    if (e instanceof Unsupported) {
      io.write('stderr', `${argv[0]}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** The names of the emulated commands, for error messages and the README. */
export const commandNames = (): string[] => Object.keys(COMMANDS).sort();
