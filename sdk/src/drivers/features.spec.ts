import { assertSpecSupported, capabilityName, ciiFeatures, criFeatures, featuresNeeded, missingFeatures, validateSecurity } from './features';
import type { ContainerSpec, CriFeatures } from './types';

const spec = (over: Partial<ContainerSpec> = {}): ContainerSpec => ({
  name: 'c1',
  image: 'busybox',
  env: {},
  labels: {},
  network: { mode: 'default' },
  resources: {},
  mounts: [],
  ...over,
});
const runtime = (features?: CriFeatures) => ({ features, info: () => ({ name: 'rt', version: '1', api: ['2'] }) });

describe('driver API 2 features', () => {
  it('a runtime that declares none has every feature false', () => {
    expect(criFeatures({})).toEqual({ security: false, seccomp: false, pidsLimit: false, execStream: false, stats: false });
    expect(ciiFeatures({})).toEqual({ pullProgress: false });
    // seccomp and pidsLimit came later in API 2: a runtime that does not name them has neither.
    expect(criFeatures(runtime({ security: true, execStream: false, stats: true }))).toEqual({ security: true, seccomp: false, pidsLimit: false, execStream: false, stats: true });
  });

  it('a spec needs "security" only when it sets an option', () => {
    expect(featuresNeeded(spec())).toEqual([]);
    expect(featuresNeeded(spec({ security: {} }))).toEqual([]);
    expect(featuresNeeded(spec({ security: { cap_add: [] } }))).toEqual([]);
    expect(featuresNeeded(spec({ security: { read_only_rootfs: false } }))).toEqual(['security']);
    expect(featuresNeeded(spec({ security: { cap_drop: ['ALL'] } }))).toEqual(['security']);
    expect(featuresNeeded(spec({ security: { seccomp: 'default', pids_limit: 100 } }))).toEqual(['seccomp', 'pidsLimit']);
  });

  it('refuses a spec with security options on a runtime without the feature, naming container, runtime and feature', () => {
    const s = spec({ security: { privileged: true } });
    expect(missingFeatures(runtime(), s)).toEqual(['security']);
    expect(() => assertSpecSupported(runtime(), s)).toThrow(expect.objectContaining({ code: 'FAILED_PRECONDITION' }));
    expect(() => assertSpecSupported(runtime(), s)).toThrow(/container c1 needs "security".*"rt" does not support/);
    expect(() => assertSpecSupported(runtime({ security: true, execStream: false, stats: false }), s)).not.toThrow();
    expect(() => assertSpecSupported(runtime(), spec())).not.toThrow();
  });

  it('validates security options, naming the field', () => {
    expect(() => validateSecurity(spec({ security: { user: '1000:1000', cap_add: ['NET_ADMIN', 'CAP_SYS_TIME'], cap_drop: ['ALL'] } }))).not.toThrow();
    expect(() => validateSecurity(spec({ security: { user: 'root; rm -rf /' } }))).toThrow(/security\.user/);
    expect(() => validateSecurity(spec({ security: { cap_add: ['net_admin'] } }))).toThrow(/security\.cap_add\.0/);
    expect(() => validateSecurity(spec({ security: { privileged: 'yes' as unknown as boolean } }))).toThrow(/security\.privileged/);
    expect(capabilityName('NET_ADMIN')).toBe('CAP_NET_ADMIN');
    expect(capabilityName('CAP_KILL')).toBe('CAP_KILL');
    expect(capabilityName('ALL')).toBe('ALL');
  });
});
