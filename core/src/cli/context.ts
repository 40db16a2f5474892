// What every command gets: the process streams (injectable for tests), the environment and a client.
import { LbClient } from '@lastbackend/sdk/client';
import { LbError } from '@lastbackend/sdk/errors';
import { clientSettings } from './cli-config';

export interface TextSink {
  write(chunk: string): unknown;
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** Calls `fn` on SIGINT/SIGTERM until the returned function is called. */
  onInterrupt(fn: () => void): () => void;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    onInterrupt(fn) {
      process.on('SIGINT', fn);
      process.on('SIGTERM', fn);
      return () => {
        process.off('SIGINT', fn);
        process.off('SIGTERM', fn);
      };
    },
  };
}

export class CliContext {
  /** Exit code the command asks for when it finishes without throwing (e.g. `lb exec`). */
  exitCode = 0;
  private cached?: LbClient;

  constructor(readonly io: CliIo) {}

  client(): LbClient {
    this.cached ??= new LbClient(clientSettings(this.io.env));
    return this.cached;
  }

  /** Writes one line (or several) to stdout. */
  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }

  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : text + '\n');
  }
}

/** A usage-level mistake the user can fix: exits 1 with "error: <message>". */
export const usage = (message: string) => new LbError('INVALID_ARGUMENT', message);

export const DEFAULT_NAMESPACE = 'default';

export interface NamespaceOption {
  namespace: string;
}
