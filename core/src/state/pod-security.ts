// A namespace's spec.policy, checked when a service's template is written (create, apply, update, rollback,
// the original's deployment writes): what a container may ask for of its confinement, after Kubernetes' Pod
// Security Standards. A refusal names the field and the policy, and nothing is stored.
import { LbError, type FieldError, type PodSecurityPolicy, type PodTemplate } from '@lastbackend/sdk';

/** Kubernetes' baseline set: the capabilities a baseline container may add (the runtime default set, minus NET_RAW). */
export const BASELINE_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];
/** What a restricted container may add back after dropping ALL. */
export const RESTRICTED_CAPABILITIES = ['NET_BIND_SERVICE'];

export const policyOf = (spec: { policy?: PodSecurityPolicy } | undefined): PodSecurityPolicy => spec?.policy ?? 'baseline';

/** What `template` asks for that `policy` does not allow, each naming the field (under `prefix`) and the policy. */
export function policyViolations(template: PodTemplate, policy: PodSecurityPolicy, prefix = 'spec.template'): FieldError[] {
  if (policy === 'privileged') return [];
  const out: FieldError[] = [];
  template.containers.forEach((c, i) => {
    const s = c.security ?? {};
    const at = (f: string) => `${prefix}.containers.${i}.security.${f}`;
    const no = (f: string, why: string) => out.push({ field: at(f), reason: `${why}: not allowed by the namespace's policy "${policy}"` });
    if (s.privileged) no('privileged', 'a privileged container');
    if (s.seccomp === 'unconfined') no('seccomp', 'a container without the seccomp profile');
    const allowed = policy === 'restricted' ? RESTRICTED_CAPABILITIES : BASELINE_CAPABILITIES;
    (s.capabilities?.add ?? []).forEach((cap, j) => {
      if (!allowed.includes(cap)) no(`capabilities.add.${j}`, `capability ${cap} (allowed: ${allowed.join(', ')})`);
    });
    if (policy !== 'restricted') return;
    if (s.run_as_non_root !== true) no('run_as_non_root', 'a container that may run as root (set run_as_non_root: true)');
    if (s.run_as_user === 0) no('run_as_user', 'uid 0 (root)');
    if (!(s.capabilities?.drop ?? []).includes('ALL')) no('capabilities.drop', 'a container keeping the default capabilities (drop ALL)');
    if (s.allow_privilege_escalation) no('allow_privilege_escalation', 'privilege escalation');
  });
  return out;
}

/** Refuses (FORBIDDEN: the request is well-formed, the namespace does not allow it) a template its policy does not allow. */
export function assertPolicy(template: PodTemplate, policy: PodSecurityPolicy, ns: string, prefix?: string): void {
  const fields = policyViolations(template, policy, prefix);
  if (!fields.length) return;
  throw new LbError('FORBIDDEN', `namespace "${ns}" has policy "${policy}", which does not allow ${fields[0].field}${fields.length > 1 ? ` (and ${fields.length - 1} more)` : ''}`, {
    fields,
    fix: policy === 'restricted' ? 'run as a non-root user with every capability dropped (see docs/architecture.md, "Container security")' : 'ask an admin for a namespace whose policy allows it',
  });
}
