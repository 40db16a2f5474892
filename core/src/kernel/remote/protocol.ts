// The small RPC protocol between the kernel and a driver running in a child process (isolation:
// process). Messages travel over Node's IPC channel with the "advanced" (structured clone)
// serialisation, so Buffers, Dates and nested objects cross as they are; what cannot cross is
// handled here: errors (re-created as LbError with their code) and AbortSignals (a marker plus a
// cancel message).
import { ERROR_CODES, LbError, type DriverInfo, type DriverKind, type ErrorCode, type FieldError } from '@lastbackend/sdk';
import type { PackageSources } from '../driver-loader';

/** Methods that return an AsyncIterable instead of a Promise; everything else is a call. */
export const STREAM_METHODS: Partial<Record<DriverKind, readonly string[]>> = { cri: ['logs', 'events'] };
export const isStreamMethod = (kind: DriverKind, method: string): boolean => STREAM_METHODS[kind]?.includes(method) ?? false;

/**
 * Flow control of a stream: the child sends at most this many items ahead of what the kernel's
 * consumer took; the kernel grants more (half a window at a time) as its consumer takes them. A chatty
 * container's logs then wait in the driver (as they would in-process) instead of piling up in memory.
 */
export const STREAM_WINDOW = 256;

export interface HostInit {
  t: 'init';
  kind: DriverKind;
  package: string;
  /** Where the package may come from, decided by the kernel (a path only if the config file gave it). */
  sources: PackageSources;
  config: Record<string, unknown>;
  node: string;
  stateRoot: string;
  logLevel: string;
  /** text or json, as the parent's (log.format). */
  logFormat?: string;
}

export type ParentMessage =
  | HostInit
  | { t: 'call'; id: number; kind: DriverKind; method: string; args: unknown[] }
  | { t: 'cancel'; id: number }
  /** n more items of stream `id` may be sent. */
  | { t: 'more'; id: number; n: number }
  | { t: 'dispose' };

/** What one kind of the loaded driver looks like from the outside. */
export interface KindDescriptor {
  info: DriverInfo;
  /** The `capabilities` object of CRI/CII drivers. */
  capabilities?: Record<string, boolean>;
  /** The driver API 2 `features` object of CRI/CII drivers. */
  features?: Record<string, boolean>;
  /** Names of the functions the instance has (optional ones such as CII push may be absent). */
  methods: string[];
}

export interface HostReady {
  t: 'ready';
  name: string;
  version: string;
  dir: string;
  kinds: Partial<Record<DriverKind, KindDescriptor>>;
}

export type ChildMessage =
  | HostReady
  | { t: 'failed'; error: WireError }
  | { t: 'result'; id: number; value: unknown }
  | { t: 'error'; id: number; error: WireError }
  | { t: 'item'; id: number; value: unknown }
  | { t: 'end'; id: number }
  | { t: 'disposed' };

export interface WireError {
  name: string;
  message: string;
  code?: ErrorCode;
  fields?: FieldError[];
  fix?: string;
}

export function toWireError(e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  const x = err as Partial<LbError>;
  const code = typeof x.code === 'string' && x.code in ERROR_CODES ? x.code : undefined;
  return { name: err.name, message: err.message, ...(code ? { code } : {}), ...(x.details?.fields ? { fields: x.details.fields } : {}), ...(x.details?.fix ? { fix: x.details.fix } : {}) };
}

/** An LbError again when it was one (code, fields and fix kept; the message already holds the fix). */
export function fromWireError(w: WireError): Error {
  if (!w.code) return Object.assign(new Error(w.message), { name: w.name });
  const err = new LbError(w.code, w.message, w.fields ? { fields: w.fields } : {});
  if (w.fix) err.details.fix = w.fix;
  return err;
}

/** Stands for an AbortSignal argument; the child makes a signal of its own that a cancel message aborts. */
const SIGNAL_MARK = '$lbAbortSignal';
type SignalMark = { [SIGNAL_MARK]: true };
const isMark = (v: unknown): v is SignalMark => typeof v === 'object' && v !== null && (v as Record<string, unknown>)[SIGNAL_MARK] === true;
const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** Replaces AbortSignals (an argument, or a property of an options argument) with marks; returns them. */
export function encodeArgs(args: unknown[]): { args: unknown[]; signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  const mark = (v: unknown): unknown => {
    if (v instanceof AbortSignal) {
      signals.push(v);
      return { [SIGNAL_MARK]: true };
    }
    return v;
  };
  const out = args.map((a) => (a instanceof AbortSignal ? mark(a) : isPlain(a) ? Object.fromEntries(Object.entries(a).map(([k, v]) => [k, mark(v)])) : a));
  return { args: out, signals };
}

/** The child's side of encodeArgs: every mark becomes `signal`. */
export function decodeArgs(args: unknown[], signal: AbortSignal): unknown[] {
  const unmark = (v: unknown): unknown => (isMark(v) ? signal : v);
  return args.map((a) => (isMark(a) ? signal : isPlain(a) ? Object.fromEntries(Object.entries(a).map(([k, v]) => [k, unmark(v)])) : a));
}
