// Which stored version a service's template runs as: the controller and the original's deployment routes agree.
import type { Deployment } from '@lastbackend/sdk';
import { currentVersion } from './versions';

const dep = (version: number, hash: string, state: Deployment['status']['state']): Deployment =>
  ({ meta: { name: `v${version}` }, spec: { version, hash }, status: { state } }) as unknown as Deployment;

describe('currentVersion', () => {
  const v1 = dep(1, 'a', 'active');
  it('is the newest version while its template is the service’s, else none (a new one)', () => {
    const v2 = dep(2, 'b', 'provisioning');
    expect(currentVersion([v1, v2], v1, 'b')).toBe(v2);
    expect(currentVersion([v1, v2], v1, 'c')).toBeUndefined();
    expect(currentVersion([], undefined, 'a')).toBeUndefined();
  });

  it('is the active version when the template is put back to its own, mid-rollout (no version issued)', () => {
    expect(currentVersion([v1, dep(2, 'b', 'provisioning')], v1, 'a')).toBe(v1);
  });

  it('is none for a version that was rolled back (superseded): asking for it again issues a new one', () => {
    expect(currentVersion([v1, dep(2, 'b', 'superseded')], v1, 'b')).toBeUndefined();
    // An older version's template is a new version too (lb rollback).
    expect(currentVersion([dep(1, 'a', 'superseded'), dep(2, 'b', 'active')], dep(2, 'b', 'active'), 'a')).toBeUndefined();
  });
});
