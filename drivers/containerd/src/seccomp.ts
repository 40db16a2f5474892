// The containerd driver's default seccomp profile (security.seccomp "default"): containerd itself applies
// none unless its client builds one. This one is written here, short enough to read whole: it ALLOWS every
// system call by default and makes the ones below fail with EPERM, the calls that reach the host kernel's
// global state (mounts, modules, keyrings, clocks, swap, reboot), new namespaces, tracing and BPF. That is the
// set Docker's default profile keeps from a container without extra capabilities; unlike Docker's (an allow
// list) it lets an unknown, newer system call through, and it filters clone's namespace flags one rule each.
// A name the host's libseccomp does not know is skipped by runc (its system call cannot be made there anyway).

/** EPERM: what a call the profile refuses returns. */
const EPERM = 1;
/** ENOSYS for clone3: its flags live in memory seccomp cannot read, so libc falls back to clone, which is filtered. */
const ENOSYS = 38;

/** The system calls the profile refuses, grouped by why. */
export const DENIED_SYSCALLS: Record<string, string[]> = {
  'mounts and the root': ['mount', 'umount', 'umount2', 'pivot_root', 'move_mount', 'open_tree', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'mount_setattr'],
  'kernel modules and kexec': ['init_module', 'finit_module', 'delete_module', 'kexec_load', 'kexec_file_load', 'create_module', 'get_kernel_syms', 'query_module'],
  namespaces: ['unshare', 'setns'],
  'tracing and BPF': ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'bpf', 'perf_event_open', 'lookup_dcookie', 'userfaultfd'],
  keyrings: ['keyctl', 'add_key', 'request_key'],
  'clocks and time': ['settimeofday', 'clock_settime', 'clock_settime64', 'clock_adjtime', 'clock_adjtime64', 'adjtimex', 'stime'],
  'host administration': ['reboot', 'swapon', 'swapoff', 'acct', 'sethostname', 'setdomainname', 'iopl', 'ioperm', 'quotactl', 'quotactl_fd', 'nfsservctl', 'vhangup', 'syslog', 'uselib', '_sysctl'],
  'file handles and NUMA': ['open_by_handle_at', 'name_to_handle_at', 'mbind', 'set_mempolicy', 'move_pages', 'migrate_pages'],
};

/** clone() flags that make a namespace: a clone with any of them is refused like unshare. */
const CLONE_NAMESPACE_FLAGS = {
  CLONE_NEWNS: 0x00020000,
  CLONE_NEWCGROUP: 0x02000000,
  CLONE_NEWUTS: 0x04000000,
  CLONE_NEWIPC: 0x08000000,
  CLONE_NEWUSER: 0x10000000,
  CLONE_NEWPID: 0x20000000,
  CLONE_NEWNET: 0x40000000,
};

export interface OciSeccomp {
  defaultAction: string;
  architectures: string[];
  syscalls: { names: string[]; action: string; errnoRet?: number; args?: { index: number; value: number; valueTwo: number; op: string }[] }[];
}

const ARCHITECTURES = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];

/** The OCI linux.seccomp of the default profile. */
export function defaultSeccompProfile(): OciSeccomp {
  // On s390 the flags are clone's second argument; on the architectures listed, its first.
  const clone = Object.values(CLONE_NAMESPACE_FLAGS).map((flag) => ({
    names: ['clone'],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: EPERM,
    args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }],
  }));
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: [...ARCHITECTURES],
    syscalls: [
      { names: Object.values(DENIED_SYSCALLS).flat(), action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
      ...clone,
    ],
  };
}
