// How a service's template becomes a deployment (a version): the controller makes them, and the API
// tells a client of the original's deployment routes which one its request leads to, by the same rules.
import type { Deployment, Service } from '@lastbackend/sdk';
import { newMeta } from '../store/meta';
import { hashOf } from './hash';

/** A template or selector change makes a new version; everything else scales in place. */
export const versionHash = (spec: Pick<Service['spec'], 'template' | 'selector'>): string => hashOf({ template: spec.template, selector: spec.selector ?? null });

/**
 * The stored version a service's template runs as, or undefined when it needs a new one: the newest version
 * when its template is the service's and it was not superseded (a version rolled back is issued anew, with a
 * fresh deadline and fresh pods), else the active version when the template is its own (a revert mid-rollout,
 * an auto rollback: the serving version is the newest again).
 */
export function currentVersion(deps: Deployment[], active: Deployment | undefined, hash: string): Deployment | undefined {
  const newest = deps.reduce<Deployment | undefined>((a, d) => (!a || d.spec.version > a.spec.version ? d : a), undefined);
  if (newest && newest.spec.hash === hash && (newest === active || newest.status.state !== 'superseded')) return newest;
  return active?.spec.hash === hash ? active : undefined;
}

/** The number of the version after `latest` (numbers are never reused, even once pruned). */
export const nextVersion = (generation: number, latest?: Deployment): number => Math.max(generation, latest?.spec.version ?? 0) + 1;

export function newDeployment(svc: Service, version: number, hash: string): Deployment {
  return {
    kind: 'Deployment',
    version: 'v1',
    meta: { ...newMeta({ name: `v${version}` }), namespace: svc.meta.namespace, service: svc.meta.name },
    spec: { version, replicas: svc.spec.replicas, template: svc.spec.template, selector: svc.spec.selector, hash },
    status: { state: 'provisioning', message: '', replicas: { desired: svc.spec.replicas, ready: 0, total: 0 } },
  };
}
