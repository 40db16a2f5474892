import type { AnyManifest } from '@lastbackend/sdk';
import { formatApplyResult, targetNamespace } from './apply';

const ns = (name: string) => ({ kind: 'Namespace', version: 'v1', meta: { name }, spec: {} }) as AnyManifest;
const cfg = (name: string) => ({ kind: 'Config', version: 'v1', meta: { name }, spec: { data: {} } }) as AnyManifest;

describe('lb apply', () => {
  it('targets -n, else the one Namespace in the file, else default', () => {
    expect(targetNamespace([ns('demo'), cfg('a')], 'other')).toBe('other');
    expect(targetNamespace([ns('demo'), cfg('a')])).toBe('demo');
    expect(targetNamespace([cfg('a')])).toBe('default');
    expect(targetNamespace([ns('a'), ns('b'), cfg('a')])).toBe('default');
  });

  it('prints kind/name action', () => {
    expect(formatApplyResult({ kind: 'Service', name: 'web', namespace: 'default', action: 'created' })).toBe('service/web created');
    expect(formatApplyResult({ kind: 'Namespace', name: 'demo', action: 'unchanged' })).toBe('namespace/demo unchanged');
  });
});
