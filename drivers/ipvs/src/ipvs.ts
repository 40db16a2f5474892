// IPVS client over the generic netlink family "IPVS" (what ipvsadm speaks), in the caller's network
// namespace. Message payloads are built and parsed in genl.ts.
import { createGenericNetlink, FlagsGet, genl, type GenericNetlinkSocket } from 'netlink';
import { LbError } from '@lastbackend/sdk';
import {
  encodeDest,
  encodeDestKey,
  encodeService,
  encodeServiceKey,
  IPVS_CMD,
  IPVS_GENL_NAME,
  IPVS_GENL_VERSION,
  parseDestMessage,
  parseServiceMessage,
  type DestSpec,
  type KernelService,
  type ServiceKey,
} from './genl';
import { isManaged, serviceId, type CurrentService, type Op } from './table';

/** The kernel answers netlink at once; a timeout only catches a lost socket. */
const TIMEOUT_MS = 10_000;
/** Phrase the kernel (core) matches to fall back to another proxy driver. */
export const NO_IPVS = 'kernel has no ip_vs';

/** The errno name of a rejected netlink request ("EEXIST"), or undefined for other errors. */
export function errnoOf(e: unknown): string | undefined {
  const m = /Request rejected: (\w+)/.exec(e instanceof Error ? e.message : String(e));
  return m?.[1];
}

const describe = (op: Op): string => {
  const svc = serviceId(op.service);
  return 'dest' in op ? `${op.op} ${op.dest.ip}:${op.dest.port} of ${svc}` : `${op.op} ${svc}`;
};

export class IpvsClient {
  private constructor(
    private readonly sock: GenericNetlinkSocket,
    readonly familyId: number,
  ) {}

  /**
   * Opens a generic netlink socket and resolves the IPVS family. Throws FAILED_PRECONDITION with
   * "kernel has no ip_vs" when the family is not registered (ip_vs not built in nor loaded).
   */
  static async open(): Promise<IpvsClient> {
    const sock = createGenericNetlink();
    try {
      const id = await resolveFamily(sock);
      if (id === undefined) {
        throw new LbError('FAILED_PRECONDITION', `${NO_IPVS}: the generic netlink family ${IPVS_GENL_NAME} is not registered`, {
          fix: 'load the ip_vs kernel module (modprobe ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc) or use the nftables proxy driver',
        });
      }
      return new IpvsClient(sock, id);
    } catch (e) {
      sock.socket.close();
      throw e;
    }
  }

  close(): void {
    this.sock.socket.close();
  }

  private async request(cmd: number, payload: Buffer[], dump = false): Promise<Buffer[]> {
    const [msgs] = await this.sock.request(this.familyId, cmd, IPVS_GENL_VERSION, payload, {
      timeout: TIMEOUT_MS,
      ...(dump ? { flags: FlagsGet.DUMP } : {}),
    });
    return msgs.map((m) => m.data);
  }

  async services(): Promise<KernelService[]> {
    return (await this.request(IPVS_CMD.GET_SERVICE, [], true)).map(parseServiceMessage);
  }

  async dests(service: ServiceKey): Promise<DestSpec[]> {
    return (await this.request(IPVS_CMD.GET_DEST, [encodeServiceKey(service)], true)).map(parseDestMessage);
  }

  /** Every service with its destinations (destinations are read for managed services only). */
  async table(): Promise<CurrentService[]> {
    const out: CurrentService[] = [];
    for (const service of await this.services()) out.push({ service, dests: isManaged(service) ? await this.dests(service) : [] });
    return out;
  }

  async apply(op: Op): Promise<void> {
    try {
      switch (op.op) {
        case 'newService':
          await this.request(IPVS_CMD.NEW_SERVICE, [encodeService(op.service)]);
          break;
        case 'setService':
          await this.request(IPVS_CMD.SET_SERVICE, [encodeService(op.service)]);
          break;
        case 'delService':
          await ignoring(this.request(IPVS_CMD.DEL_SERVICE, [encodeServiceKey(op.service)]), 'ESRCH');
          break;
        case 'newDest':
          await this.request(IPVS_CMD.NEW_DEST, [encodeServiceKey(op.service), encodeDest(op.dest)]);
          break;
        case 'setDest':
          await this.request(IPVS_CMD.SET_DEST, [encodeServiceKey(op.service), encodeDest(op.dest)]);
          break;
        case 'delDest':
          await ignoring(this.request(IPVS_CMD.DEL_DEST, [encodeServiceKey(op.service), encodeDestKey(op.dest)]), 'ENOENT');
          break;
      }
    } catch (e) {
      if (e instanceof LbError) throw e;
      const errno = errnoOf(e);
      const msg = e instanceof Error ? e.message : String(e);
      // ENOENT from NEW_SERVICE: the scheduler module is missing.
      const fix = (op.op === 'newService' || op.op === 'setService') && errno === 'ENOENT' ? { fix: `load the ip_vs_${op.service.scheduler} kernel module` } : {};
      throw new LbError(errno === 'EEXIST' || errno === 'ESRCH' ? 'CONFLICT' : 'INTERNAL', `ipvs ${describe(op)} failed: ${msg}`, fix);
    }
  }
}

async function ignoring(p: Promise<unknown>, errno: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (errnoOf(e) !== errno) throw e;
  }
}

/** The IPVS family id, or undefined when the kernel does not know the family. */
export async function resolveFamily(sock: GenericNetlinkSocket): Promise<number | undefined> {
  try {
    const [msg] = await sock.ctrlRequest(genl.Commands.GET_FAMILY, { familyName: IPVS_GENL_NAME }, { timeout: TIMEOUT_MS });
    return msg?.familyId;
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return undefined;
    throw e;
  }
}
