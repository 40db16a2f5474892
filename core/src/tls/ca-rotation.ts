// `lb ca rotate`: the cluster CA replaced online, agents kept connected. The steps (each one a store
// transaction, so a restart resumes where the CA record says):
//   1. begin: a next CA is made beside the current one. Both are trusted (the API's TLS context, /cacerts,
//      join answers); node certificates are issued by the next one; servers still present the current one's.
//   2. agents notice /cacerts changed (they check it every few seconds), renew their certificate, and take
//      the new bundle; each node's credential records which CA issued its certificate.
//   3. finish, once every node with a certificate holds one from the next CA (or when forced): the next CA
//      becomes the only one, servers present certificates from it, and certificates of the old one are
//      refused. Agents see /cacerts change once more and drop the old CA from what they trust.
import { LbError } from '@lastbackend/sdk';
import type { NodeCredential } from '../auth/auth';
import { PREFIX } from '../store/keys';
import type { Store } from '../store/store';
import type { ClusterTls } from './cluster-tls';

export interface CaNodeState {
  name: string;
  /** Its certificate comes from the CA that issues now (the next one during a rotation). */
  on_new_ca: boolean;
}

export interface CaStatus {
  /** A rotation is under way: both CAs are trusted. */
  rotating: boolean;
  /** SHA-256 of the bundle /cacerts serves now (what new join tokens pin). */
  ca_hash: string;
  /** Ids (hash prefixes) of the current CA and, during a rotation, of the next one. */
  current: string;
  next?: string;
  /** Nodes with a certificate, and whether it is from the CA that issues now. */
  nodes: CaNodeState[];
  /** Names of the nodes still on an older CA's certificate. */
  pending: string[];
}

export interface CaRotated {
  ca_hash: string;
  /** The new bundle (PEM): what clients trust from now on. */
  bundle: string;
  /** Nodes cut off by a forced finish: they must join again. */
  cut_off: string[];
}

/** Which joined nodes hold a certificate, and whether the CA `issuing` made it. Pure: the unit spec's subject. */
export function nodeStates(creds: NodeCredential[], issuing: string): CaNodeState[] {
  return creds
    .filter((c) => c.spec.hash && c.spec.cert_serial && !c.spec.server)
    .map((c) => ({ name: c.meta.name, on_new_ca: c.spec.cert_ca === issuing }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export class CaRotation {
  private finishing?: Promise<CaRotated>;

  constructor(
    private readonly store: Store,
    private readonly tls: ClusterTls | undefined,
    /** Why this server cannot rotate its CA (its store is shared, …), or undefined. */
    private readonly refusal?: string,
  ) {}

  private usable(): ClusterTls {
    if (!this.tls) throw new LbError('FAILED_PRECONDITION', 'this server runs without TLS (--insecure-http): it has no CA to rotate');
    const why = this.refusal ?? this.tls.rotationRefusal;
    if (why) throw new LbError('FAILED_PRECONDITION', `the CA cannot be rotated online: ${why}`);
    return this.tls;
  }

  async status(): Promise<CaStatus> {
    const tls = this.usable();
    const creds = await this.store.list<NodeCredential>(PREFIX.credentials);
    const nodes = nodeStates(creds, tls.issuingId);
    const ids = tls.ids;
    return { rotating: !!ids.next, ca_hash: tls.hash, current: ids.current, ...(ids.next ? { next: ids.next } : {}), nodes, pending: nodes.filter((n) => !n.on_new_ca).map((n) => n.name) };
  }

  /** Starts a rotation, or carries on with the one under way. */
  async begin(): Promise<CaStatus> {
    await this.usable().beginRotation();
    return this.status();
  }

  /** Drops the old CA once every node holds a certificate from the new one; `force` drops it anyway. */
  finish(force: boolean): Promise<CaRotated> {
    if (this.finishing) return this.finishing;
    this.finishing = this.doFinish(force).finally(() => (this.finishing = undefined));
    return this.finishing;
  }

  private async doFinish(force: boolean): Promise<CaRotated> {
    const tls = this.usable();
    const s = await this.status();
    if (!s.rotating) throw new LbError('FAILED_PRECONDITION', 'no CA rotation is under way', { fix: 'start one with `lb ca rotate`' });
    if (s.pending.length && !force)
      throw new LbError('FAILED_PRECONDITION', `node(s) ${s.pending.join(', ')} still hold a certificate from the old CA`, {
        fix: 'start their agents so they renew, or finish with --force (those nodes must then join again with a new join token)',
      });
    await tls.finishRotation();
    return { ca_hash: tls.hash, bundle: tls.bundle, cut_off: s.pending };
  }
}
