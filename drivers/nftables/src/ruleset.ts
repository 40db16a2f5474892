// Pure: a service table → checked entries (bad ones left out and named) → one `nft -f -` script that replaces the driver's table
// atomically. The shape (also what parse.ts reads back):
//
//   table ip lastbackend {
//     chain prerouting  { type nat hook prerouting priority dstnat; ... jump services }
//     chain output      { type nat hook output priority -100; ...    jump services }   (the host's own traffic)
//     chain postrouting { type nat hook postrouting priority srcnat; ... meta mark & M == M masquerade }
//     chain filter-input / filter-forward / filter-output { type filter hook ...; jump no-endpoints }
//     chain services     { one rule per VIP:port/proto: mark, dnat to numgen random mod W map { slot(s) : ip . port } }
//     chain no-endpoints { one rule per VIP:port/proto without backends: reject }
//   }
//
// Each backend owns `weight` consecutive numgen slots (a range), so the share of new connections is
// weight / sum(weights) for every scheduler: wrr exactly, rr and lc approximated by (weighted) random.
// The rule comment "lb:<scheduler>" keeps the one thing the rule itself cannot show.
import { checkServiceTable, ipv4, MAX_BACKEND_WEIGHT, PROXY_SCHEDULERS, type FieldError, type VirtualService } from '@lastbackend/sdk';

export const SCHEDULERS = PROXY_SCHEDULERS;
export type Scheduler = (typeof SCHEDULERS)[number];
export const PROTOCOLS = ['tcp', 'udp'] as const;
export const MAX_WEIGHT = MAX_BACKEND_WEIGHT;
/** Comment prefix of every service rule. */
export const COMMENT_PREFIX = 'lb:';

export const CHAIN = {
  prerouting: 'prerouting',
  output: 'output',
  postrouting: 'postrouting',
  filterInput: 'filter-input',
  filterForward: 'filter-forward',
  filterOutput: 'filter-output',
  services: 'services',
  noEndpoints: 'no-endpoints',
} as const;

export interface RulesetOptions {
  table: string;
  family: 'ip';
  mark: number;
}

/** A validated entry with defaults filled in (scheduler rr, weight 1). */
export interface Service {
  ip: string;
  port: number;
  protocol: 'tcp' | 'udp';
  scheduler: Scheduler;
  backends: { ip: string; port: number; weight: number }[];
}

export const serviceKey = (s: { ip: string; port: number; protocol: string }): string => `${s.ip}:${s.port}/${s.protocol}`;

/** A table with its bad entries left out, and what was left out and why. */
export interface CheckedTable {
  services: Service[];
  skipped: FieldError[];
}

/**
 * The SDK's check of the table (its schema lives there), for this IPv4 table with weights of at least 1 (a
 * numgen slot each), then the defaults (scheduler rr, weight 1) and the order of the ruleset. A bad entry is
 * left out and named, never a reason to refuse the rest; only a table that is not a list throws.
 */
export function checkTable(input: unknown): CheckedTable {
  const { entries, skipped } = checkServiceTable(input, { family: 'ipv4', minWeight: 1 });
  const out = entries.map(
    (s): Service => ({
      ip: s.ip,
      port: s.port,
      protocol: s.protocol,
      scheduler: s.scheduler ?? 'rr',
      backends: s.backends.map((b) => ({ ip: b.ip, port: b.port, weight: b.weight ?? 1 })),
    }),
  );
  return { services: out.sort((a, b) => compareServices(a, b)), skipped };
}

const ipNum = (ip: string): number => ipv4.parseIp(ip);
export function compareServices(a: { ip: string; port: number; protocol: string }, b: { ip: string; port: number; protocol: string }): number {
  return ipNum(a.ip) - ipNum(b.ip) || a.port - b.port || a.protocol.localeCompare(b.protocol);
}

/** `numgen random mod W map { 0-2 : 10.0.0.1 . 80, 3 : 10.0.0.2 . 80 }` for the backends' weights. */
export function renderBalancer(backends: Service['backends']): string {
  let next = 0;
  const elements = backends.map((b) => {
    const from = next;
    next += b.weight;
    const slot = b.weight === 1 ? `${from}` : `${from}-${next - 1}`;
    return `${slot} : ${b.ip} . ${b.port}`;
  });
  return `numgen random mod ${next} map { ${elements.join(', ')} }`;
}

const match = (s: Service): string => `ip daddr ${s.ip} ${s.protocol} dport ${s.port}`;
const comment = (s: Service): string => `comment "${COMMENT_PREFIX}${s.scheduler}"`;
const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** The rule of one service: DNAT to a backend, or reject when it has none. */
export function renderRule(s: Service, mark: number): string {
  if (s.backends.length === 0) return `${match(s)} ${s.protocol === 'tcp' ? 'reject with tcp reset' : 'reject'} ${comment(s)}`;
  return `${match(s)} meta mark set meta mark | ${hex(mark)} dnat ip to ${renderBalancer(s.backends)} ${comment(s)}`;
}

/**
 * The whole script: creating an empty table first makes the delete succeed whether or not it existed,
 * and nft applies the file as one transaction, so the kernel sees either the old or the new table.
 */
export function renderScript(services: readonly Service[], opts: RulesetOptions): string {
  const t = `${opts.family} ${opts.table}`;
  const base = (name: string, type: 'nat' | 'filter', hook: string, prio: string, body: string) =>
    `\tchain ${name} {\n\t\ttype ${type} hook ${hook} priority ${prio}; policy accept;\n\t\t${body}\n\t}`;
  const dnat = services.filter((s) => s.backends.length > 0).map((s) => `\t\t${renderRule(s, opts.mark)}`);
  const reject = services.filter((s) => s.backends.length === 0).map((s) => `\t\t${renderRule(s, opts.mark)}`);
  const m = hex(opts.mark);
  return [
    `table ${t} {}`,
    `delete table ${t}`,
    `table ${t} {`,
    base(CHAIN.prerouting, 'nat', 'prerouting', 'dstnat', `jump ${CHAIN.services}`),
    // nft 1.0.6 knows "dstnat" only for prerouting; -100 is its value.
    base(CHAIN.output, 'nat', 'output', '-100', `jump ${CHAIN.services}`),
    base(CHAIN.postrouting, 'nat', 'postrouting', 'srcnat', `meta mark & ${m} == ${m} masquerade`),
    base(CHAIN.filterInput, 'filter', 'input', 'filter', `jump ${CHAIN.noEndpoints}`),
    base(CHAIN.filterForward, 'filter', 'forward', 'filter', `jump ${CHAIN.noEndpoints}`),
    base(CHAIN.filterOutput, 'filter', 'output', 'filter', `jump ${CHAIN.noEndpoints}`),
    `\tchain ${CHAIN.services} {`,
    ...dnat,
    `\t}`,
    `\tchain ${CHAIN.noEndpoints} {`,
    ...reject,
    `\t}`,
    `}`,
    '',
  ].join('\n');
}

/** Checks and renders in one step (what setTable applies): the script holds every good entry. */
export function buildScript(table: unknown, opts: RulesetOptions): CheckedTable & { script: string } {
  const checked = checkTable(table);
  return { ...checked, script: renderScript(checked.services, opts) };
}

/** Services as the SDK type (defaults explicit), for list(). */
export const toVirtualService = (s: Service): VirtualService => ({
  ip: s.ip,
  port: s.port,
  protocol: s.protocol,
  scheduler: s.scheduler,
  backends: s.backends.map((b) => ({ ip: b.ip, port: b.port, weight: b.weight })),
});

