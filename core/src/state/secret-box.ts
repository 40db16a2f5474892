// Secret values are sealed (AES-256-GCM) before they reach the store; the key lives in the data dir
// (0600) and never in the store, so a copy of the state alone reveals no secret.
//
// A box holds a key ring: the primary key seals, every key of the ring opens. A sealed value names the
// key that sealed it (enc:v2:<key id>:…, the id a hash prefix of the key, not the key); values sealed
// before key ids existed (enc:v1:…) are opened by trying each key (GCM refuses a wrong one).
// `lb secret-key rotate` (secret-key-rotation.ts) adds a new primary, re-seals, then drops the old key.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LbError } from '@lastbackend/sdk';

const V1 = 'enc:v1:';
const V2 = 'enc:v2:';

/** What a key is called in sealed values: a prefix of its SHA-256 (names the key, reveals nothing of it). */
export const keyId = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 12);

export function readKey(file: string): Buffer {
  const key = readFileSync(file);
  if (key.length !== 32) throw new LbError('FAILED_PRECONDITION', `${file} is not a 32-byte key`, { fix: 'restore it from a backup; without it stored secrets cannot be read' });
  return key;
}

export class SecretBox {
  private primary: { id: string; key: Buffer };
  private readonly ring = new Map<string, Buffer>();

  private constructor(primary: Buffer, others: Buffer[] = []) {
    this.primary = { id: keyId(primary), key: primary };
    for (const k of [primary, ...others]) this.ring.set(keyId(k), k);
  }

  /** The data dir's key, made on first use (a rotation's files are read by secret-key-rotation.ts). */
  static forDataDir(dir: string): SecretBox {
    const file = join(dir, 'secret.key');
    if (!existsSync(file)) writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
    return new SecretBox(readKey(file));
  }

  static withKey(key: Buffer): SecretBox {
    return new SecretBox(key);
  }

  /** A ring: `primary` seals, all open. */
  static withKeys(primary: Buffer, others: Buffer[]): SecretBox {
    return new SecretBox(primary, others);
  }

  /** The id of the key that seals now. */
  get primaryId(): string {
    return this.primary.id;
  }

  /** Ids of every key that opens. */
  get keyIds(): string[] {
    return [...this.ring.keys()];
  }

  /** Adds a key to the ring and makes it the sealing one: what was sealed before still opens. */
  promote(key: Buffer): void {
    this.primary = { id: keyId(key), key };
    this.ring.set(this.primary.id, key);
  }

  /** Drops every key but the primary: only once nothing sealed by them is left. */
  dropOthers(): void {
    for (const id of [...this.ring.keys()]) if (id !== this.primary.id) this.ring.delete(id);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.primary.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `${V2}${this.primary.id}:${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')}`;
  }

  /** Whether a value is sealed by the primary key (a rotation re-seals the others). */
  sealedByPrimary(sealed: string): boolean {
    return !isSealed(sealed) || sealed.startsWith(`${V2}${this.primary.id}:`);
  }

  open(sealed: string): string {
    if (sealed.startsWith(V2)) {
      const at = sealed.indexOf(':', V2.length);
      const id = sealed.slice(V2.length, at);
      const key = this.ring.get(id);
      if (!key) throw new LbError('FAILED_PRECONDITION', `a secret is sealed by key ${id}, which this server does not hold`, { fix: 'give this server the secret key of the cluster (store.secret_key_file or the data dir\'s secret.key)' });
      return openWith(key, Buffer.from(sealed.slice(at + 1), 'base64'));
    }
    if (!sealed.startsWith(V1)) return sealed;
    const raw = Buffer.from(sealed.slice(V1.length), 'base64');
    let failure: unknown;
    for (const key of [this.primary.key, ...this.ring.values()]) {
      try {
        return openWith(key, raw);
      } catch (e) {
        failure = e;
      }
    }
    throw failure;
  }

  sealAll(data: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, this.seal(v)]));
  }

  openAll(data: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, this.open(v)]));
  }

  /** A secret derived from the primary key for one purpose: every server with the key derives the same, the store holds none. */
  derive(purpose: string): string {
    return hmac(this.primary.key, purpose);
  }

  /** The same purpose derived from every key of the ring (what a peer mid-rotation may present). */
  deriveAll(purpose: string): string[] {
    return [...this.ring.values()].map((k) => hmac(k, purpose));
  }
}

export const isSealed = (v: string): boolean => v.startsWith(V1) || v.startsWith(V2);

const hmac = (key: Buffer, purpose: string) => createHmac('sha256', key).update(purpose).digest('base64url');

function openWith(key: Buffer, raw: Buffer): string {
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
}
