// Secret values are sealed (AES-256-GCM) before they reach the store; the key lives in the data dir
// (0600) and never in the store, so a copy of the state alone reveals no secret.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LbError } from '@lastbackend/sdk';

const PREFIX = 'enc:v1:';

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** The data dir's key, made on first use. */
  static forDataDir(dir: string): SecretBox {
    const file = join(dir, 'secret.key');
    if (!existsSync(file)) writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
    const key = readFileSync(file);
    if (key.length !== 32) throw new LbError('FAILED_PRECONDITION', `${file} is not a 32-byte key`, { fix: 'restore it from a backup; without it stored secrets cannot be read' });
    return new SecretBox(key);
  }

  static withKey(key: Buffer): SecretBox {
    return new SecretBox(key);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return PREFIX + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
  }

  open(sealed: string): string {
    if (!sealed.startsWith(PREFIX)) return sealed;
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }

  sealAll(data: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, this.seal(v)]));
  }

  openAll(data: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, this.open(v)]));
  }

  /** A secret derived from the key for one purpose: every server with the key derives the same, the store holds none. */
  derive(purpose: string): string {
    return createHmac('sha256', this.key).update(purpose).digest('base64url');
  }
}
