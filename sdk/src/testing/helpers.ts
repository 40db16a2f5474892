// Small utilities the conformance suites share.
import { randomBytes } from 'node:crypto';
import { ERROR_CODES, LbError } from '../errors';

/** A suffix unique to this run, so suites can run next to other tests on the same host. */
export const uniqueSuffix = (): string => `${process.pid}-${randomBytes(3).toString('hex')}`;

/** LbError, also when thrown by a driver built against another copy of the SDK. */
export function isLbErrorLike(e: unknown): e is LbError {
  if (e instanceof LbError) return true;
  if (typeof e !== 'object' || e === null || (e as { name?: unknown }).name !== 'LbError') return false;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code in ERROR_CODES;
}

/** Rejects with `message` when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns true; fails with `message` after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number, message: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${message} (waited ${ms} ms)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Consumes `iterable` in the background into `into`; the promise settles when the iteration ends. */
export function drain<T>(iterable: AsyncIterable<T>, into: T[]): Promise<void> {
  const done = (async () => {
    for await (const item of iterable) into.push(item);
  })();
  done.catch(() => undefined); // awaited by the caller; never an unhandled rejection
  return done;
}
