import type { Deployment } from '@lastbackend/sdk';
import { defaultRollbackTarget } from './rollback';

const dep = (version: number) => ({ meta: { name: `v${version}` }, spec: { version } }) as unknown as Deployment;

describe('default rollback target', () => {
  it('is the newest version before the active one', () => {
    expect(defaultRollbackTarget([dep(1), dep(3), dep(2)], 'v3')).toBe(2);
    expect(defaultRollbackTarget([dep(1), dep(2), dep(3)], 'v2')).toBe(1);
  });
  it('is undefined when there is none', () => {
    expect(defaultRollbackTarget([dep(1)], 'v1')).toBeUndefined();
    expect(defaultRollbackTarget([], undefined)).toBeUndefined();
  });
  it('without an active deployment, is the newest', () => expect(defaultRollbackTarget([dep(1), dep(2)], undefined)).toBe(2));
});
