// Pure: `nft -j list table ip <table>` output → the service table the kernel holds. Everything but the
// scheduler name (kept in the rule comment "lb:<scheduler>") is read from the rule expressions themselves:
// the VIP and port from the matches, backends and weights from the numgen map (a slot range's size is
// the backend's weight). Rules this driver did not write are reported, not guessed at.
import { ipv4 } from '@lastbackend/sdk';
import { CHAIN, COMMENT_PREFIX, compareServices, SCHEDULERS, type Scheduler, type Service } from './ruleset';

export interface ParsedTable {
  services: Service[];
  /** Rules of the services chains this parser could not read ("chain#handle: reason"). */
  unrecognised: string[];
}

type Json = unknown;
const obj = (v: Json): Record<string, Json> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, Json>) : undefined;
const arr = (v: Json): Json[] | undefined => (Array.isArray(v) ? v : undefined);
const num = (v: Json): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const str = (v: Json): string | undefined => (typeof v === 'string' ? v : undefined);

class Unreadable extends Error {}
const fail = (why: string): never => {
  throw new Unreadable(why);
};

const isIp = (v: string | undefined): v is string => {
  if (v === undefined) return false;
  try {
    ipv4.parseIp(v);
    return true;
  } catch {
    return false;
  }
};

/** `{"match": {"op": "==", "left": {"payload": {"protocol": P, "field": F}}, "right": R}}` → [P, F, R]. */
function payloadMatch(e: Json): { protocol: string; field: string; right: Json } | undefined {
  const m = obj(obj(e)?.match);
  if (!m || m.op !== '==') return undefined;
  const p = obj(obj(m.left)?.payload);
  const protocol = str(p?.protocol);
  const field = str(p?.field);
  if (protocol === undefined || field === undefined) return undefined;
  return { protocol, field, right: m.right };
}

/** One map element's key: a slot number or a {"range": [a, b]} → number of slots. */
function slots(key: Json): number {
  const n = num(key);
  if (n !== undefined) return 1;
  const r = arr(obj(key)?.range);
  const a = num(r?.[0]);
  const b = num(r?.[1]);
  if (a === undefined || b === undefined || b < a) return fail(`unreadable map key ${JSON.stringify(key)}`);
  return b - a + 1;
}

/** The dnat statement → backends with weights (in slot order). */
function backendsOf(dnat: Record<string, Json>): Service['backends'] {
  const addr = dnat.addr;
  // A plain `dnat to ip:port` (not written by this driver, but unambiguous).
  if (typeof addr === 'string') {
    const port = num(dnat.port);
    if (!isIp(addr) || port === undefined) return fail('dnat without a port');
    return [{ ip: addr, port, weight: 1 }];
  }
  const map = obj(obj(addr)?.map);
  const gen = obj(obj(map?.key)?.numgen);
  if (!map || !gen || gen.mode !== 'random') return fail('dnat not keyed by numgen random');
  const set = arr(obj(map.data)?.set) ?? fail('dnat map without elements');
  const out = new Map<string, Service['backends'][number]>();
  let total = 0;
  for (const el of set) {
    const pair = arr(el);
    const concat = arr(obj(pair?.[1])?.concat);
    const ip = str(concat?.[0]);
    const port = num(concat?.[1]);
    if (!pair || !isIp(ip) || port === undefined) return fail(`unreadable map element ${JSON.stringify(el)}`);
    const n = slots(pair[0]);
    total += n;
    const key = `${ip}:${port}`;
    const b = out.get(key);
    if (b) b.weight += n;
    else out.set(key, { ip, port, weight: n });
  }
  if (num(gen.mod) !== total) fail(`numgen mod ${String(gen.mod)} does not match the ${total} slots of its map`);
  return [...out.values()];
}

function parseRule(rule: Record<string, Json>): Service {
  const exprs = arr(rule.expr) ?? fail('no expressions');
  let ip: string | undefined;
  let port: number | undefined;
  let protocol: Service['protocol'] | undefined;
  let backends: Service['backends'] | undefined;
  for (const e of exprs) {
    const m = payloadMatch(e);
    if (m && m.protocol === 'ip' && m.field === 'daddr' && isIp(str(m.right))) ip = str(m.right);
    else if (m && (m.protocol === 'tcp' || m.protocol === 'udp') && m.field === 'dport' && num(m.right) !== undefined) {
      protocol = m.protocol;
      port = num(m.right);
    } else if (obj(e)?.mangle !== undefined) continue; // the mark
    else if (obj(obj(e)?.dnat)) backends = backendsOf(obj(obj(e)?.dnat)!);
    else if (obj(e)?.reject !== undefined) backends = [];
    else fail(`unexpected expression ${JSON.stringify(e)}`);
  }
  if (ip === undefined || port === undefined || protocol === undefined) return fail('no VIP, port or protocol match');
  if (backends === undefined) return fail('neither dnat nor reject');
  const c = str(rule.comment);
  const sched = c?.startsWith(COMMENT_PREFIX) ? c.slice(COMMENT_PREFIX.length) : undefined;
  const scheduler: Scheduler = (SCHEDULERS as readonly string[]).includes(sched ?? '') ? (sched as Scheduler) : 'rr';
  return { ip, port, protocol, scheduler, backends };
}

/** Reads the services out of `nft -j list table <family> <table>` output (already JSON.parse'd). */
export function parseTable(doc: Json, table: string, family = 'ip'): ParsedTable {
  const items = arr(obj(doc)?.nftables);
  if (!items) throw new Error('not nft JSON output: no "nftables" array');
  const services: Service[] = [];
  const unrecognised: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const rule = obj(obj(item)?.rule);
    if (!rule || rule.table !== table || rule.family !== family) continue;
    if (rule.chain !== CHAIN.services && rule.chain !== CHAIN.noEndpoints) continue;
    const where = `${String(rule.chain)}#${String(rule.handle)}`;
    try {
      const s = parseRule(rule);
      const key = `${s.ip}:${s.port}/${s.protocol}`;
      // The first rule for a VIP:port/proto is the one packets hit.
      if (seen.has(key)) unrecognised.push(`${where}: shadowed duplicate of ${key}`);
      else {
        seen.add(key);
        services.push(s);
      }
    } catch (e) {
      if (!(e instanceof Unreadable)) throw e;
      unrecognised.push(`${where}: ${e.message}`);
    }
  }
  return { services: services.sort(compareServices), unrecognised };
}
