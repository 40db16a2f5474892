// Entry point of a driver's child process (isolation: process). It loads the package with the same
// checks as the kernel, creates the driver and serves calls from the kernel until told to dispose
// or until the kernel goes away. Its log lines go to the inherited stderr.
import { DRIVER_KINDS, type DriverBase, type DriverInstances, type DriverKind } from '@lastbackend/sdk';
import { instantiate } from '../instantiate';
import { createLogger, type LogLevel } from '../logger';
import { decodeArgs, STREAM_WINDOW, toWireError, type ChildMessage, type HostInit, type KindDescriptor, type ParentMessage } from './protocol';

const send = (m: ChildMessage): void => {
  if (process.connected) process.send!(m);
};

let instances: DriverInstances | undefined;
const running = new Map<number, AbortController>();
/** Items each stream may still send, and how to wake it when the kernel grants more. */
const credits = new Map<number, { left: number; wake?: () => void }>();

async function init(m: HostInit): Promise<void> {
  try {
    const log = createLogger(m.logLevel as LogLevel, `lb[driver pid ${process.pid}]`, undefined, m.logFormat === 'json' ? 'json' : 'text');
    const made = await instantiate({ kind: m.kind, package: m.package, sources: m.sources, config: m.config, node: m.node, stateRoot: m.stateRoot, logger: log });
    const { loaded } = made;
    instances = made.instances;
    const kinds: Partial<Record<DriverKind, KindDescriptor>> = {};
    for (const kind of DRIVER_KINDS) {
      const inst = instances[kind] as (DriverBase & { capabilities?: Record<string, boolean>; features?: Record<string, boolean> }) | undefined;
      if (!inst) continue;
      kinds[kind] = {
        info: inst.info(),
        ...(inst.capabilities ? { capabilities: { ...inst.capabilities } } : {}),
        ...(inst.features ? { features: { ...inst.features } } : {}),
        methods: methodNames(inst),
      };
    }
    send({ t: 'ready', name: loaded.name, version: loaded.version, dir: loaded.dir, kinds });
  } catch (e) {
    send({ t: 'failed', error: toWireError(e) });
  }
}

/** Own and inherited (class) function names, without the constructor. */
function methodNames(obj: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = obj; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null)
    for (const n of Object.getOwnPropertyNames(p)) if (n !== 'constructor' && typeof (obj as Record<string, unknown>)[n] === 'function') names.add(n);
  return [...names];
}

async function call(id: number, kind: DriverKind, method: string, rawArgs: unknown[]): Promise<void> {
  const ac = new AbortController();
  running.set(id, ac);
  try {
    const inst = instances?.[kind] as Record<string, unknown> | undefined;
    const fn = inst?.[method];
    if (typeof fn !== 'function') throw new Error(`the ${kind} driver has no method ${method}`);
    const out: unknown = (fn as (...a: unknown[]) => unknown).apply(inst, decodeArgs(rawArgs, ac.signal));
    if (out && typeof (out as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
      const credit: { left: number; wake?: () => void } = { left: STREAM_WINDOW };
      credits.set(id, credit);
      ac.signal.addEventListener('abort', () => credit.wake?.(), { once: true });
      for await (const value of out as AsyncIterable<unknown>) {
        while (credit.left === 0 && !ac.signal.aborted) await new Promise<void>((r) => (credit.wake = r));
        if (ac.signal.aborted) break;
        credit.left--;
        send({ t: 'item', id, value });
      }
      send({ t: 'end', id });
    } else {
      send({ t: 'result', id, value: await out });
    }
  } catch (e) {
    send({ t: 'error', id, error: toWireError(e) });
  } finally {
    running.delete(id);
    credits.delete(id);
  }
}

async function dispose(): Promise<void> {
  for (const ac of running.values()) ac.abort();
  const seen = new Set<DriverBase>();
  for (const kind of DRIVER_KINDS) {
    const d = instances?.[kind];
    if (!d || seen.has(d)) continue;
    seen.add(d);
    await d.dispose().catch(() => undefined);
  }
  send({ t: 'disposed' });
  process.disconnect?.();
}

process.on('message', (m: ParentMessage) => {
  switch (m.t) {
    case 'init':
      void init(m);
      break;
    case 'call':
      void call(m.id, m.kind, m.method, m.args);
      break;
    case 'cancel':
      running.get(m.id)?.abort();
      break;
    case 'more': {
      const c = credits.get(m.id);
      if (!c) break;
      c.left += m.n;
      c.wake?.();
      c.wake = undefined;
      break;
    }
    case 'dispose':
      void dispose().finally(() => process.exit(0));
      break;
  }
});
// The kernel is gone (or disconnected us): nothing is left to serve. Workloads keep running.
process.on('disconnect', () => process.exit(0));
