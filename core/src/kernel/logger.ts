// A small structured logger. Lines go to stderr, as text ("time level [scope] message {meta}", the
// default) or as one JSON object per line ({"time","level","scope","msg", …meta}; `--log-format json`)
// for log collectors.
// Nothing secret is passed to it: tokens and secret values never reach a log call. A URL may carry
// the API token (?x-lastbackend-token=, the original's query parameter): every line is scrubbed of it
// all the same, whoever wrote it (an error's message may quote a URL).
import type { DriverLogger } from '@lastbackend/sdk';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'text' | 'json';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger extends DriverLogger {
  child(scope: string): Logger;
}

/** The value of every x-lastbackend-token parameter (plain or %-encoded) or JSON key in a line, replaced. */
export function redactSecrets(line: string): string {
  return line.replace(/(x(?:-|%2d)lastbackend(?:-|%2d)token(?:=|%3d|"?\s*:\s*"?))[^&\s"'#,}]*/gi, '$1[REDACTED]');
}

export function formatLine(format: LogFormat, lvl: Exclude<LogLevel, 'silent'>, scope: string, msg: string, meta?: Record<string, unknown>, time = new Date().toISOString()): string {
  if (format === 'json') return `${JSON.stringify({ ...meta, time, level: lvl, scope, msg })}\n`;
  const extra = meta && Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
  return `${time} ${lvl.padEnd(5)} [${scope}] ${msg}${extra}\n`;
}

export function createLogger(level: LogLevel = 'info', scope = 'lb', write: (line: string) => void = (l) => process.stderr.write(l), format: LogFormat = 'text'): Logger {
  const enabled = (lvl: Exclude<LogLevel, 'silent'>) => ORDER[lvl] >= ORDER[level];
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, meta?: Record<string, unknown>) => {
    if (!enabled(lvl)) return;
    write(redactSecrets(formatLine(format, lvl, scope, msg, meta)));
  };
  return {
    debug: (m, meta) => emit('debug', m, meta),
    info: (m, meta) => emit('info', m, meta),
    warn: (m, meta) => emit('warn', m, meta),
    error: (m, meta) => emit('error', m, meta),
    child: (s) => createLogger(level, `${scope}:${s}`, write, format),
  };
}
