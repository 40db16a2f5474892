// Driver calls, timed once where the kernel hands a driver out (Kernel.driver): every method call on
// the instance is counted by kind, method and outcome (ok / error), with its latency. Only the SDK
// contract is seen, never a concrete driver. A method that returns no promise (a stream, a value) is
// counted when it returns. The wrapper of an instance is made once and kept, as are its methods'.
import { driverCalls } from './metrics';
import { since } from './fast';

const wrapped = new WeakMap<object, object>();

export function measured<T extends object>(kind: string, instance: T): T {
  let w = wrapped.get(instance);
  if (!w) wrapped.set(instance, (w = proxy(kind, instance)));
  return w as T;
}

function proxy<T extends object>(kind: string, instance: T): T {
  const methods = new Map<PropertyKey, unknown>();
  return new Proxy(instance, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string' || prop === 'constructor') return v;
      let m = methods.get(prop) as ((...a: unknown[]) => unknown) | undefined;
      if (!m || (m as { raw?: unknown }).raw !== v) {
        m = timed(kind, prop, v as (...a: unknown[]) => unknown, target);
        methods.set(prop, m);
      }
      return m;
    },
  });
}

function timed(kind: string, method: string, fn: (...a: unknown[]) => unknown, target: object): (...a: unknown[]) => unknown {
  const ok = driverCalls.labels(kind, method, 'ok');
  const failed = driverCalls.labels(kind, method, 'error');
  const call = function (...args: unknown[]): unknown {
    const start = performance.now();
    let r: unknown;
    try {
      r = fn.apply(target, args);
    } catch (e) {
      failed.observe(since(start));
      throw e;
    }
    if (r && typeof (r as Promise<unknown>).then === 'function') {
      (r as Promise<unknown>).then(
        () => ok.observe(since(start)),
        () => failed.observe(since(start)),
      );
    } else ok.observe(since(start));
    return r;
  };
  return Object.assign(call, { raw: fn });
}
