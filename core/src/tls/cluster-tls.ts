// The API server's TLS: the cluster CA (made by the first server, kept in the store with its key
// sealed by the secret key, so servers sharing one etcd share it), this server's certificate for its
// addresses, and its client certificate for calling agents.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LbError } from '@lastbackend/sdk';
import type { SecretBox } from '../state/secret-box';
import { keys } from '../store/keys';
import { newMeta } from '../store/meta';
import type { Store } from '../store/store';
import { caHash } from './cert-info';
import { createCa, issue, NODE_CERT_DAYS, type KeyPair } from './pki';

interface CaRecord {
  kind: 'CertificateAuthority';
  meta: ReturnType<typeof newMeta>;
  cert: string;
  /** The CA's private key, sealed with the secret key. */
  key: string;
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

export class ClusterTls {
  private constructor(
    private readonly ca: KeyPair,
    /** What clients trust and join tokens pin: the cluster CA, then the user's CA if any. */
    readonly bundle: string,
    readonly server: KeyPair,
    /** This server's client certificate: how it proves itself to agents. */
    readonly client: KeyPair,
    private readonly nodeCertDays: number,
  ) {}

  get caCert(): string {
    return this.ca.cert;
  }

  /** The SHA-256 a join token carries, so an agent can check the server before it sends anything. */
  get hash(): string {
    return caHash(this.bundle);
  }

  /** A node's certificate for its own public key: client to the API, server for its agent endpoint. */
  issueNode(node: string, address: string, publicKey: string) {
    return issue(this.ca, { role: 'node', name: node, sans: [address], publicKey, days: this.nodeCertDays });
  }

  /**
   * Opens the CA (making it on the first start of the cluster), issues this server's certificates and
   * writes the CA bundle to `<data dir>/tls/ca.crt` for `curl --cacert` and the CLI.
   */
  static async open(store: Store, box: SecretBox, opts: TlsOptions, dataDir: string, serverId: string, addresses: string[]): Promise<ClusterTls> {
    let rec = await store.get<CaRecord>(keys.ca());
    if (!rec) {
      const fresh = await createCa();
      // Several servers may start at once on one etcd: the first one's CA wins, the others read it.
      rec = await store.txn(async (tx) => {
        const had = await tx.get<CaRecord>(keys.ca());
        if (had) return had;
        const made: CaRecord = { kind: 'CertificateAuthority', meta: newMeta({ name: 'cluster' }), cert: fresh.cert, key: box.seal(fresh.key) };
        tx.put(keys.ca(), made);
        return made;
      });
    }
    let caKey: string;
    try {
      caKey = box.open(rec.key);
    } catch {
      throw new LbError('FAILED_PRECONDITION', 'the cluster CA key in the store cannot be opened with this server\'s secret key', {
        fix: 'give every server the same store.secret_key_file',
      });
    }
    const ca = { cert: rec.cert, key: caKey };
    const sans = [...new Set(['127.0.0.1', '::1', 'localhost', hostname().toLowerCase(), ...addresses, ...opts.san])];
    const own = opts.cert || opts.key ? readOwn(opts) : undefined;
    const server = own ?? (await issue(ca, { role: 'server', name: serverId, sans, days: 365 }));
    const client = await issue(ca, { role: 'server', name: serverId, days: 365 });
    const bundle = rec.cert + (opts.ca ? readPem(opts.ca, 'tls.ca') : '');
    const dir = join(dataDir, 'tls');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'ca.crt'), bundle, { mode: 0o644 });
    return new ClusterTls(ca, bundle, server, client, opts.node_cert_days ?? NODE_CERT_DAYS);
  }
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
