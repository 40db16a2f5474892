// The swap transaction: a group of kinds changes driver all or none. Every new driver is loaded (with its
// fallback when the host cannot run it), probed and re-synced from the desired state before any of them
// takes over, so a refusal of one leaves all the old ones in place (a runtime never ends up with another
// runtime's image service). Then each takes over, the kind's handover rule decides what becomes of the old
// driver, and the journal records what the API asked for.
import { LbError, type DriverBase, type DriverKind, type KernelHooks } from '@lastbackend/sdk';
import type { PackageSources } from './driver-loader';
import type { HandoverRules } from './handover';
import type { DriverJournal } from './journal';
import type { Logger } from './logger';
import type { ActiveDriver, DriverChoice, DriverRegistry, LoadPass } from './registry';
import type { RetiredRuntimes } from './retired';

/** Who asked: the admin's config file (a path is allowed) or the API (package names only). */
export type SwapSource = 'config' | 'api';

export interface SwapChange {
  kind: DriverKind;
  ref: DriverChoice;
}

export interface SwapContext {
  registry: DriverRegistry;
  retired: RetiredRuntimes;
  journal: DriverJournal;
  rules: HandoverRules;
  hooks: KernelHooks;
  log: Logger;
  sources(source: SwapSource): PackageSources;
  /** Re-syncs a new driver of `kind` from the desired state before it takes over. */
  resync(kind: DriverKind, instance: DriverBase): Promise<void>;
  /** Disposes a driver let go of, unless an active kind still uses its instance. */
  release(d: ActiveDriver): Promise<void>;
}

export async function swapGroup(ctx: SwapContext, changes: readonly SwapChange[], source: SwapSource): Promise<void> {
  const pass: LoadPass = new Map(); // kinds one package serves share one instance, as at start
  const prepared: { change: SwapChange; next: ActiveDriver }[] = [];
  try {
    for (const change of changes) prepared.push({ change, next: await prepare(ctx, change, source, pass) });
  } catch (e) {
    await ctx.registry.abandon(pass);
    throw e;
  }
  for (const { change, next } of prepared) await commit(ctx, change, next, source);
}

/** The new driver of one kind, loaded, probed and re-synced, not yet in use. */
async function prepare(ctx: SwapContext, { kind, ref }: SwapChange, source: SwapSource, pass: LoadPass): Promise<ActiveDriver> {
  const old = ctx.registry.get(kind);
  const keep = old ? `; ${old.identity.package} stays` : '';
  let next: ActiveDriver;
  try {
    next = await ctx.registry.loadWithFallback(kind, ref, ctx.sources(source), pass);
  } catch (e) {
    throw new LbError((e as LbError).code ?? 'DRIVER_INVALID', `swap of ${kind} to ${ref.package} refused: ${(e as Error).message}${keep}`);
  }
  try {
    await ctx.resync(kind, next.instance);
  } catch (e) {
    ctx.hooks.driverFailed.call({ kind, package: ref.package }, e as Error);
    throw new LbError('DRIVER_PROBE_FAILED', `swap of ${kind} to ${ref.package} refused: re-sync failed: ${(e as Error).message}${keep}`);
  }
  return next;
}

/** Puts a prepared driver in use; the kind's handover rule decides what becomes of the one it replaces. */
async function commit(ctx: SwapContext, { kind, ref }: SwapChange, next: ActiveDriver, source: SwapSource): Promise<void> {
  const old = ctx.registry.get(kind);
  ctx.registry.set(kind, next);
  // A swap through the API holds across restarts; one from the config file is the file's own entry.
  ctx.journal.recordSwap(kind, source === 'api' ? { package: ref.package, config: ref.config, ...(ref.isolation ? { isolation: ref.isolation } : {}) } : undefined);
  const outcome = await ctx.rules.for(kind)({ kind, old, next, retired: ctx.retired, log: ctx.log, release: ctx.release });
  if (old) {
    ctx.hooks.driverSwapped.call({ kind, package: old.identity.package, version: old.identity.version }, { kind, package: next.identity.package, version: next.identity.version });
    if (outcome === 'dispose') await ctx.release(old);
  }
  ctx.log.info(`${kind} driver swapped${old ? ` from ${old.identity.package}` : ''} to ${next.identity.package}@${next.identity.version}${next.note ? ` (${next.note})` : ''}`);
}
