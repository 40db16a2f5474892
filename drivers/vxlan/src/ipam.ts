// Pod address management for one node subnet: pure allocation functions plus crash-safe persistence.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LbError } from '@lastbackend/sdk';
import { ipv4 } from '@lastbackend/sdk';

const { broadcast, contains, formatIp, nth, parseCidr, parseIp } = ipv4;

export interface IpamState {
  /** Node subnet the addresses come from, e.g. "10.210.3.0/24"; null before setupNode. */
  subnet: string | null;
  /** `${namespace}/${pod}` → address. */
  pods: Record<string, string>;
}

export const emptyState = (): IpamState => ({ subnet: null, pods: {} });

/** First address handed to pods: .0 is the VTEP, .1 the gateway. */
const FIRST_POD_OFFSET = 2;

/**
 * Switches the state to a subnet. Allocations outside it are dropped (and returned) since they can no
 * longer be routed; allocations inside it are kept.
 */
export function withSubnet(state: IpamState, subnet: string): { state: IpamState; dropped: string[] } {
  const cidr = parseCidr(subnet);
  const pods: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [key, ip] of Object.entries(state.pods)) {
    if (contains(cidr, ip) && isAssignable(subnet, ip)) pods[key] = ip;
    else dropped.push(key);
  }
  return { state: { subnet, pods }, dropped };
}

/** Whether an address may be given to a pod: inside the subnet, not .0/.1, not the broadcast. */
export function isAssignable(subnet: string, ip: string): boolean {
  const cidr = parseCidr(subnet);
  const n = parseIp(ip);
  return contains(cidr, n) && n >= nth(cidr, FIRST_POD_OFFSET) && n < broadcast(cidr);
}

/** The key's address: its existing one, else the lowest free one. Pure: returns the new state. */
export function allocate(state: IpamState, key: string): { state: IpamState; ip: string; fresh: boolean } {
  if (!state.subnet) throw new LbError('FAILED_PRECONDITION', 'the node network is not set up', { fix: 'call setupNode first' });
  const existing = state.pods[key];
  if (existing && isAssignable(state.subnet, existing)) return { state, ip: existing, fresh: false };
  const cidr = parseCidr(state.subnet);
  const used = new Set(Object.entries(state.pods).filter(([k]) => k !== key).map(([, ip]) => parseIp(ip)));
  for (let n = nth(cidr, FIRST_POD_OFFSET); n < broadcast(cidr); n++) {
    if (!used.has(n)) {
      const ip = formatIp(n);
      return { state: { subnet: state.subnet, pods: { ...state.pods, [key]: ip } }, ip, fresh: true };
    }
  }
  throw new LbError('UNAVAILABLE', `no free address left in ${state.subnet} (${used.size} pods)`);
}

/** Frees the key's address; freeing an unknown key is fine. */
export function release(state: IpamState, key: string): IpamState {
  if (!(key in state.pods)) return state;
  const pods = { ...state.pods };
  delete pods[key];
  return { subnet: state.subnet, pods };
}

function validate(raw: unknown, file: string): IpamState {
  const bad = (why: string) => new LbError('INTERNAL', `corrupt IPAM state ${file}: ${why}`);
  if (typeof raw !== 'object' || raw === null) throw bad('not an object');
  const { subnet, pods } = raw as { subnet?: unknown; pods?: unknown };
  if (subnet !== null && typeof subnet !== 'string') throw bad('subnet');
  if (typeof pods !== 'object' || pods === null) throw bad('pods');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(pods)) {
    if (typeof v !== 'string') throw bad(`pods.${k}`);
    parseIp(v);
    out[k] = v;
  }
  return { subnet: subnet ?? null, pods: out };
}

/** Reads and writes a JSON file atomically (temp file + fsync + rename), so a crash never leaves half a file. */
export async function readJson<T>(file: string, fallback: () => T): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fallback();
    throw e;
  }
  return JSON.parse(text) as T;
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(value, null, 2) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export class IpamStore {
  constructor(readonly file: string) {}

  async load(): Promise<IpamState> {
    return validate(await readJson<unknown>(this.file, emptyState), this.file);
  }

  async save(state: IpamState): Promise<void> {
    await writeJsonAtomic(this.file, state);
  }
}
