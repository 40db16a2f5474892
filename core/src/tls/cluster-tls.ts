// The API server's TLS: the cluster CA (made by the first server, kept in the store with its key
// sealed by the secret key, so servers sharing one etcd share it), this server's certificate for its
// addresses, and its client certificate for calling agents.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LbError } from '@lastbackend/sdk';
import type { SecretBox } from '../state/secret-box';
import { keys } from '../store/keys';
import { newMeta } from '../store/meta';
import type { Store } from '../store/store';
import { caHash } from './cert-info';
import { createCa, issue, NODE_CERT_DAYS, type KeyPair } from './pki';

export interface CaRecord {
  kind: 'CertificateAuthority';
  meta: ReturnType<typeof newMeta>;
  cert: string;
  /** The CA's private key, sealed with the secret key. */
  key: string;
  /**
   * `lb ca rotate` under way: the CA that replaces this one (its key sealed too). Both are trusted and
   * node certificates come from it until the rotation finishes; the store's transactions make each step
   * whole, so a restart resumes where the record says.
   */
  next?: { cert: string; key: string };
}

export interface TlsOptions {
  /** The user's own server certificate and key (PEM files); replaces the issued one for the API. */
  cert?: string;
  key?: string;
  /** CA of the user's certificate, served to clients beside the cluster CA (PEM file). */
  ca?: string;
  /** Extra names and addresses for the issued server certificate. */
  san: string[];
  /** Lifetime of node certificates, days. */
  node_cert_days: number;
}

/** A CA's short id (a hash prefix of its certificate), as credentials record which CA issued a node's. */
export const caId = (cert: string): string => caHash(cert).slice(0, 16);

/** What a ClusterTls opens with: where it writes ca.crt, who it is, what it may present. */
interface Setup {
  store: Store;
  box: SecretBox;
  opts: TlsOptions;
  dataDir: string;
  serverId: string;
  sans: string[];
  /** The user's own server certificate (tls.cert/tls.key), when given. */
  own?: KeyPair;
  /** The user's CA (tls.ca) PEM, or ''. */
  userCa: string;
}

export class ClusterTls {
  private readonly listeners: (() => void)[] = [];

  private constructor(
    private readonly setup: Setup,
    private ca: KeyPair,
    private next: KeyPair | undefined,
    private serving: KeyPair,
    private clientPair: KeyPair,
  ) {}

  /** The CA certificates trusted now: the current one, and during a rotation the next one. */
  get caCert(): string {
    return this.ca.cert + (this.next?.cert ?? '');
  }

  /** What clients trust and join tokens pin: the cluster CA(s), then the user's CA if any. */
  get bundle(): string {
    return this.caCert + this.setup.userCa;
  }

  /** The SHA-256 a join token carries, so an agent can check the server before it sends anything. */
  get hash(): string {
    return caHash(this.bundle);
  }

  /** This server's serving certificate (from the current CA, or the user's own). */
  get server(): KeyPair {
    return this.serving;
  }

  /** This server's client certificate: how it proves itself to agents. */
  get client(): KeyPair {
    return this.clientPair;
  }

  /** The id of the CA that issues node certificates now (the next one during a rotation). */
  get issuingId(): string {
    return caId((this.next ?? this.ca).cert);
  }

  /** The id of the current CA, and of the next one while a rotation runs. */
  get ids(): { current: string; next?: string } {
    return { current: caId(this.ca.cert), ...(this.next ? { next: caId(this.next.cert) } : {}) };
  }

  /** Why the CA cannot be rotated online, or undefined. */
  get rotationRefusal(): string | undefined {
    if (this.setup.own || this.setup.userCa) return 'this server presents the operator\'s own certificate (tls.cert, tls.ca): clients trust that CA, which is the operator\'s to replace';
    return undefined;
  }

  /** Called after the trusted CAs or this server's certificates change (the API's TLS context, its own clients). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** A node's certificate for its own public key: client to the API, server for its agent endpoint. */
  async issueNode(node: string, address: string, publicKey: string) {
    const by = this.next ?? this.ca;
    return { ...(await issue(by, { role: 'node', name: node, sans: [address], publicKey, days: this.setup.opts.node_cert_days ?? NODE_CERT_DAYS })), ca: caId(by.cert) };
  }

  /** Starts a rotation: a next CA beside the current one (kept when one is there already). */
  async beginRotation(): Promise<void> {
    const { store, box } = this.setup;
    const fresh = await createCa();
    await store.txn(async (tx) => {
      const rec = await tx.get<CaRecord>(keys.ca());
      if (!rec) throw new LbError('FAILED_PRECONDITION', 'the cluster CA is missing from the store');
      if (rec.next) return;
      const rotating: CaRecord = { ...rec, next: { cert: fresh.cert, key: box.seal(fresh.key) } };
      tx.put(keys.ca(), rotating);
    });
    await this.reload();
  }

  /** Ends a rotation: the next CA becomes the only one; this server presents certificates from it. */
  async finishRotation(): Promise<void> {
    await this.setup.store.txn(async (tx) => {
      const rec = await tx.get<CaRecord>(keys.ca());
      if (!rec?.next) return;
      const { next, ...rest } = rec;
      const done: CaRecord = { ...rest, cert: next.cert, key: next.key };
      tx.put(keys.ca(), done);
    });
    await this.reload();
  }

  /** Reads the CA record again; reissues this server's certificates when the current CA changed. */
  async reload(): Promise<void> {
    const rec = await readCa(this.setup);
    const changed = rec.ca.cert !== this.ca.cert;
    this.ca = rec.ca;
    this.next = rec.next;
    if (changed) ({ server: this.serving, client: this.clientPair } = await serverPairs(this.setup, this.ca));
    writeBundle(this.setup.dataDir, this.bundle);
    for (const fn of this.listeners) fn();
  }

  /**
   * Opens the CA (making it on the first start of the cluster), issues this server's certificates and
   * writes the CA bundle to `<data dir>/tls/ca.crt` for `curl --cacert` and the CLI.
   */
  static async open(store: Store, box: SecretBox, opts: TlsOptions, dataDir: string, serverId: string, addresses: string[]): Promise<ClusterTls> {
    if (!(await store.get<CaRecord>(keys.ca()))) {
      const fresh = await createCa();
      // Several servers may start at once on one etcd: the first one's CA wins, the others read it.
      await store.txn(async (tx) => {
        if (await tx.get<CaRecord>(keys.ca())) return;
        const made: CaRecord = { kind: 'CertificateAuthority', meta: newMeta({ name: 'cluster' }), cert: fresh.cert, key: box.seal(fresh.key) };
        tx.put(keys.ca(), made);
      });
    }
    const sans = [...new Set(['127.0.0.1', '::1', 'localhost', hostname().toLowerCase(), ...addresses, ...opts.san])];
    const own = opts.cert || opts.key ? readOwn(opts) : undefined;
    const setup: Setup = { store, box, opts, dataDir, serverId, sans, ...(own ? { own } : {}), userCa: opts.ca ? readPem(opts.ca, 'tls.ca') : '' };
    const rec = await readCa(setup);
    const pairs = await serverPairs(setup, rec.ca);
    const tls = new ClusterTls(setup, rec.ca, rec.next, pairs.server, pairs.client);
    writeBundle(dataDir, tls.bundle);
    return tls;
  }
}

async function readCa(setup: Setup): Promise<{ ca: KeyPair; next?: KeyPair }> {
  const rec = await setup.store.get<CaRecord>(keys.ca());
  if (!rec) throw new LbError('FAILED_PRECONDITION', 'the cluster CA is missing from the store');
  const open = (sealed: string) => {
    try {
      return setup.box.open(sealed);
    } catch {
      throw new LbError('FAILED_PRECONDITION', 'the cluster CA key in the store cannot be opened with this server\'s secret key', {
        fix: 'give every server the same store.secret_key_file',
      });
    }
  };
  return { ca: { cert: rec.cert, key: open(rec.key) }, ...(rec.next ? { next: { cert: rec.next.cert, key: open(rec.next.key) } } : {}) };
}

async function serverPairs(setup: Setup, ca: KeyPair): Promise<{ server: KeyPair; client: KeyPair }> {
  const server = setup.own ?? (await issue(ca, { role: 'server', name: setup.serverId, sans: setup.sans, days: 365 }));
  const client = await issue(ca, { role: 'server', name: setup.serverId, days: 365 });
  return { server, client };
}

function writeBundle(dataDir: string, bundle: string): void {
  const dir = join(dataDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Whole or not at all: the CLI and curl may read it at any moment.
  writeFileSync(join(dir, 'ca.crt.tmp'), bundle, { mode: 0o644 });
  renameSync(join(dir, 'ca.crt.tmp'), join(dir, 'ca.crt'));
}

function readOwn(opts: TlsOptions): KeyPair {
  if (!opts.cert || !opts.key) throw new LbError('INVALID_ARGUMENT', 'tls: cert and key must be given together', { fix: 'set both tls.cert and tls.key (PEM files)' });
  return { cert: readPem(opts.cert, 'tls.cert'), key: readPem(opts.key, 'tls.key') };
}

function readPem(file: string, field: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('-----BEGIN ')) throw new Error('not a PEM file');
    return text.endsWith('\n') ? text : text + '\n';
  } catch (e) {
    throw new LbError('INVALID_ARGUMENT', `${field}: cannot read ${file}: ${(e as Error).message}`);
  }
}
