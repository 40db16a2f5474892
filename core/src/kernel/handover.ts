// What happens to the driver a swap replaces, per kind: a table of rules, one per kind that needs more
// than "dispose the old one once nothing uses it". A new kind with its own needs registers a rule here
// instead of adding a branch to the swap.
import type { DriverKind, ProxyDriver } from '@lastbackend/sdk';
import { stableStringify } from '../state/hash';
import type { Logger } from './logger';
import type { ActiveDriver } from './registry';
import type { RetiredRuntimes } from './retired';

export interface Handover {
  kind: DriverKind;
  /** The driver being replaced; absent when the kind had none. */
  old?: ActiveDriver;
  /** The driver taking over, loaded, probed and re-synced. */
  next: ActiveDriver;
  retired: RetiredRuntimes;
  log: Logger;
  /** Disposes a driver the rule let go of. */
  release(d: ActiveDriver): Promise<void>;
}

/** "dispose": the old driver goes once no kind uses it; "keep": the rule kept it (e.g. retired). */
export type HandoverOutcome = 'dispose' | 'keep';

export type HandoverRule = (h: Handover) => Promise<HandoverOutcome>;

/** The same package and config is the same driver (a reload of new code): it programs the same things. */
const samePackageAndConfig = (a: ActiveDriver, b: ActiveDriver): boolean =>
  a.identity.package === b.identity.package && stableStringify(a.ref.config) === stableStringify(b.ref.config);

/**
 * CPI: another proxy package, or the same one with another config (e.g. another nft table), programs its
 * own table: the old one's entries go once the new ones serve. A reload of the same package and config
 * programs the very same table, so nothing is cleared.
 */
export const clearOldProxyTable: HandoverRule = async ({ old, next, log }) => {
  if (old && !samePackageAndConfig(old, next))
    await (old.instance as ProxyDriver).setTable([]).catch((e: Error) => log.warn(`clearing the table of ${old.identity.package}: ${e.message}`));
  return 'dispose';
};

/**
 * CRI: a runtime of another package that still runs this node's containers is retired, not disposed: it
 * keeps serving the pods created before the swap. Swapping back to a retired runtime's package ends its
 * retirement: the new instance serves its containers.
 */
export const retireBusyRuntime: HandoverRule = async ({ old, next, retired, log, release }) => {
  let outcome: HandoverOutcome = 'dispose';
  if (old && old.identity.package !== next.identity.package && (await retired.holdsContainers(old))) {
    retired.add(old);
    log.info(`cri driver ${old.identity.package} keeps running the containers of pods created before the swap; new pods go to ${next.identity.package}`);
    outcome = 'keep';
  }
  const back = retired.take(next.identity.package);
  if (back) await release(back);
  retired.activeChanged();
  return outcome;
};

const disposeOld: HandoverRule = async () => 'dispose';

/** The rules by kind; a kind without one disposes its old driver. */
export class HandoverRules {
  private readonly rules = new Map<DriverKind, HandoverRule>();

  register(kind: DriverKind, rule: HandoverRule): this {
    this.rules.set(kind, rule);
    return this;
  }

  for(kind: DriverKind): HandoverRule {
    return this.rules.get(kind) ?? disposeOld;
  }

  /** The platform's rules: CPI clears the old table, CRI retires a runtime that holds containers. */
  static defaults(): HandoverRules {
    return new HandoverRules().register('cpi', clearOldProxyTable).register('cri', retireBusyRuntime);
  }
}
