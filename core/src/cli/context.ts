// What every command gets: the process streams (injectable for tests), the environment and a client.
import type { LbClient } from '@lastbackend/sdk/client';
import { sdkClient } from './lazy';
import { clientSettings, replaceContextCa, replaceContextToken } from './cli-config';
import { terminalSafe } from './terminal';

export interface TextSink {
  write(chunk: string): unknown;
  /** A terminal (process.stdout when not piped): what goes there loses its control sequences. */
  isTTY?: boolean;
}

/** The process's own streams, for what carries a remote terminal's bytes as they are (lb exec -it). */
export interface RawStreams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; isRaw?: boolean; setRawMode?(mode: boolean): unknown };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number; on(event: 'resize', fn: () => void): unknown; off(event: 'resize', fn: () => void): unknown };
  stderr: NodeJS.WritableStream;
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** Calls `fn` on SIGINT/SIGTERM until the returned function is called. */
  onInterrupt(fn: () => void): () => void;
  /** The unfiltered process streams (absent in tests that give only text sinks). */
  raw?: RawStreams;
}

/**
 * The process's streams. stdin is a getter: node makes process.stdin on first use (a socket, tty or file
 * stream), a cost at every start that only the commands reading it (apply -f -, login, exec -i) need.
 */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    onInterrupt(fn) {
      process.on('SIGINT', fn);
      process.on('SIGTERM', fn);
      return () => {
        process.off('SIGINT', fn);
        process.off('SIGTERM', fn);
      };
    },
    raw: {
      get stdin() {
        return process.stdin;
      },
      stdout: process.stdout,
      stderr: process.stderr,
    },
  };
}

export class CliContext {
  /** Exit code the command asks for when it finishes without throwing (e.g. `lb exec`). */
  exitCode = 0;
  /** `lb --context NAME`: the CLI context to use (cli-config.ts); else $LB_CONTEXT, else the file's current. */
  contextName?: string;
  /** `lb --server URL` / `--token T`: win over the environment and the context. */
  server?: string;
  token?: string;
  private cached?: LbClient;
  /**
   * The process streams as commands write to them: on a terminal without control sequences (log lines,
   * exec output and reported names are not ours; see terminal.ts), piped as they are. Every command
   * writes through here; an interactive exec, when there is one, would take the raw streams instead.
   */
  readonly io: CliIo;
  /**
   * The raw stdout when it is a terminal, for output that draws with control sequences of its own (a
   * rollout's redrawn block, rollout/render.ts), which strips what comes from elsewhere itself.
   */
  readonly terminal?: TextSink & { columns?: number };
  /** The process streams as they are, for an interactive exec (a remote terminal's own control sequences). */
  readonly raw?: RawStreams;

  constructor(io: CliIo) {
    if (io.stdout.isTTY) this.terminal = io.stdout;
    // Not a spread: that would read io.stdin, which processIo makes on demand.
    this.io = {
      stdout: terminalSafe(io.stdout),
      stderr: terminalSafe(io.stderr),
      get stdin() {
        return io.stdin;
      },
      env: io.env,
      onInterrupt: (fn) => io.onInterrupt(fn),
      ...(io.raw ? { raw: io.raw } : {}),
    };
    this.raw = io.raw;
  }

  /** The server, token and CA of the context in use (environment variables win, --server/--token over them). */
  settings(): ReturnType<typeof clientSettings> {
    return clientSettings(this.io.env, this.contextName, { server: this.server, token: this.token });
  }

  client(): LbClient {
    this.cached ??= new (sdkClient().LbClient)(this.settings());
    return this.cached;
  }

  /** Stores a rotated admin token in the context it came from; the context's name, or undefined. */
  keepToken(token: string): string | undefined {
    return replaceContextToken(token, this.io.env, this.contextName, this.token);
  }

  /** Stores a rotated CA bundle in the context in use; the context's name, or undefined. */
  keepCa(bundle: string): string | undefined {
    return replaceContextCa(bundle, this.io.env, this.contextName);
  }

  /** Writes one line (or several) to stdout. */
  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }

  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : text + '\n');
  }
}

export { usage, UsageError } from './usage';

export const DEFAULT_NAMESPACE = 'default';

export interface NamespaceOption {
  namespace: string;
}
