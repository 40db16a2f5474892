// A namespace's policy against what a service's containers ask for.
import { ServiceManifest, type PodTemplate } from '@lastbackend/sdk';
import { assertPolicy, policyViolations } from './pod-security';

const tpl = (security?: Record<string, unknown>): PodTemplate =>
  ServiceManifest.parse({ kind: 'Service', meta: { name: 'w' }, spec: { template: { containers: [{ name: 'c', image: { name: 'i' }, ...(security ? { security } : {}) }] } } }).spec.template;
const fields = (t: PodTemplate, p: 'baseline' | 'restricted' | 'privileged') => policyViolations(t, p).map((f) => f.field);
const F = 'spec.template.containers.0.security';

describe('namespace policies', () => {
  it('baseline: a plain container, and capabilities of the baseline set, are allowed', () => {
    expect(fields(tpl(), 'baseline')).toEqual([]);
    expect(fields(tpl({ capabilities: { add: ['NET_BIND_SERVICE', 'CHOWN'] }, allow_privilege_escalation: true, run_as_user: 0 }), 'baseline')).toEqual([]);
  });

  it('baseline refuses privileged, capabilities outside the set and no seccomp, naming the field and the policy', () => {
    expect(fields(tpl({ privileged: true, seccomp: 'unconfined', capabilities: { add: ['CHOWN', 'NET_ADMIN', 'NET_RAW'] } }), 'baseline')).toEqual([
      `${F}.privileged`,
      `${F}.seccomp`,
      `${F}.capabilities.add.1`,
      `${F}.capabilities.add.2`,
    ]);
    expect(() => assertPolicy(tpl({ capabilities: { add: ['SYS_ADMIN'] } }), 'baseline', 'team')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringMatching(/namespace "team" has policy "baseline", which does not allow .*capabilities\.add\.0/) }),
    );
  });

  it('restricted requires run_as_non_root, drop ALL, no escalation, default seccomp; adds at most NET_BIND_SERVICE', () => {
    expect(fields(tpl(), 'restricted')).toEqual([`${F}.run_as_non_root`, `${F}.capabilities.drop`]);
    const ok = { run_as_non_root: true, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } };
    expect(fields(tpl(ok), 'restricted')).toEqual([]);
    expect(fields(tpl({ ...ok, allow_privilege_escalation: true, seccomp: 'unconfined', capabilities: { drop: ['ALL'], add: ['CHOWN'] } }), 'restricted')).toEqual([
      `${F}.seccomp`,
      `${F}.capabilities.add.0`,
      `${F}.allow_privilege_escalation`,
    ]);
  });

  it('privileged allows what the admin allowed', () => {
    expect(fields(tpl({ privileged: true, seccomp: 'unconfined', capabilities: { add: ['ALL'] } }), 'privileged')).toEqual([]);
  });
});
