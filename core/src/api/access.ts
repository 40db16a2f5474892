// Where a route's one permission is not the whole answer: an apply may carry Namespace manifests and
// objects for other namespaces, and a namespace list shows only what the caller may see.
import { LbError } from '@lastbackend/sdk';
import { isApiCaller, type Principal } from '../auth/auth';
import { inScope, refusal } from '../auth/permissions';
import type { ApplyGuard } from '../state/resources';

/**
 * An apply's manifests, checked one by one before anything is written: a Namespace takes
 * namespace.manage (admins only), any other object namespace.write where it lands.
 */
export function applyGuard(p: Principal | undefined): ApplyGuard {
  return (target) => {
    if (!p || !isApiCaller(p)) throw new LbError('FORBIDDEN', 'only a token with a role may apply');
    const why = target.kind === 'Namespace' ? refusal(p, 'namespace.manage') : refusal(p, 'namespace.write', target.namespace);
    if (!why) return;
    if (target.kind !== 'Namespace') throw new LbError('FORBIDDEN', why);
    const sets = target.adminFields?.length ? ` (it sets ${target.adminFields.join(' and ')}, which admins set)` : '';
    throw new LbError('FORBIDDEN', `${why}: a Namespace manifest (namespace "${target.name}") is for admins${sets}`, {
      ...(target.adminFields?.length ? { fields: target.adminFields.map((field) => ({ field, reason: 'only admins set it' })) } : {}),
    });
  };
}

/** The namespaces a caller may see: a token limited to namespaces sees those only. */
export function visible<T extends { meta: { name: string } }>(p: Principal | undefined, namespaces: T[]): T[] {
  if (!p || !isApiCaller(p)) return [];
  return namespaces.filter((n) => inScope(p, n.meta.name));
}
