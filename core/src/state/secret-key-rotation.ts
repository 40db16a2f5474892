// `lb secret-key rotate`: every sealed value moves to a new key while the server serves. Nothing is
// unreadable at any moment, because the box opens with every key of its ring until the end:
//   1. the new key is written to secret.key.next (0600, fsynced) and becomes the sealing key;
//   2. every sealed value (secrets' data, the CA's key) is re-sealed, one object per transaction;
//   3. secret.key → secret.key.prev, secret.key.next → secret.key (renames, the dir fsynced after each),
//      then secret.key.prev is removed and the old key leaves the ring (writes since step 1 sealed with
//      the new key, so nothing needs the old one).
// The files on disk say where a rotation stood: on start (openDataDirBox) every key file present is in
// the ring, and a pending rotation (a .next or a .prev file) is finished before the server serves.
// Only for a data-dir key: servers sharing store.secret_key_file would all need the new key first.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LbError } from '@lastbackend/sdk';
import { keys, PREFIX } from '../store/keys';
import type { Store } from '../store/store';
import { readKey, SecretBox } from './secret-box';

export interface SecretKeyRotated {
  /** The id of the key that seals now (a hash prefix, not the key). */
  key_id: string;
  /** Objects whose sealed values were re-sealed. */
  resealed: number;
}

const files = (dir: string) => ({ key: join(dir, 'secret.key'), next: join(dir, 'secret.key.next'), prev: join(dir, 'secret.key.prev') });

/** The data dir's key ring as its files leave it, and whether a rotation was under way. */
export function openDataDirBox(dir: string): { box: SecretBox; pending: boolean } {
  const f = files(dir);
  const has = { key: existsSync(f.key), next: existsSync(f.next), prev: existsSync(f.prev) };
  if (!has.key && !has.next && !has.prev) return { box: SecretBox.forDataDir(dir), pending: false };
  const primary = has.next ? f.next : has.key ? f.key : undefined;
  if (!primary) throw new LbError('FAILED_PRECONDITION', `${f.prev} is there without ${f.key} nor ${f.next}`, { fix: 'restore secret.key from a backup' });
  const others = [f.key, f.prev].filter((p) => p !== primary && existsSync(p)).map(readKey);
  return { box: SecretBox.withKeys(readKey(primary), others), pending: has.next || has.prev };
}

function writeKeyFile(path: string, key: Buffer): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class SecretKeyRotation {
  private running?: Promise<SecretKeyRotated>;

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly dir: string,
  ) {}

  /** A new sealing key, every sealed value re-sealed under it, the old key dropped. One at a time. */
  rotate(): Promise<SecretKeyRotated> {
    if (this.running) throw new LbError('CONFLICT', 'a secret key rotation is under way', { fix: 'wait for it to finish, then run it again if needed' });
    this.running = this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Finishes a rotation a restart interrupted (the files say so); nothing to do otherwise. */
  resume(): Promise<SecretKeyRotated> {
    return this.finish();
  }

  private async run(): Promise<SecretKeyRotated> {
    await this.finish(); // an earlier one left half-done
    const f = files(this.dir);
    const key = randomBytes(32);
    writeKeyFile(f.next, key);
    syncDir(this.dir);
    this.box.promote(key);
    return this.finish();
  }

  private async finish(): Promise<SecretKeyRotated> {
    const f = files(this.dir);
    const resealed = await this.resealAll();
    if (existsSync(f.next)) {
      if (existsSync(f.key)) renameSync(f.key, f.prev);
      syncDir(this.dir);
      renameSync(f.next, f.key);
      syncDir(this.dir);
    }
    if (existsSync(f.prev)) {
      unlinkSync(f.prev);
      syncDir(this.dir);
    }
    this.box.dropOthers();
    return { key_id: this.box.primaryId, resealed };
  }

  /** Re-seals what an older key sealed, one object per transaction (each re-read inside it). */
  private async resealAll(): Promise<number> {
    let n = 0;
    for (const s of await this.store.list<SealedSecret>(PREFIX.secrets)) {
      const k = keys.object('secret', s.meta.namespace, s.meta.name);
      const done = await this.store.txn(async (tx) => {
        const o = await tx.get<SealedSecret>(k);
        const data = o?.spec.data;
        if (!o || !data || Object.values(data).every((v) => this.box.sealedByPrimary(v))) return false;
        const next = Object.fromEntries(Object.entries(data).map(([name, v]) => [name, this.box.sealedByPrimary(v) ? v : this.box.seal(this.box.open(v))]));
        const resealed: SealedSecret = { ...o, spec: { ...o.spec, data: next } };
        tx.put(k, resealed);
        return true;
      });
      if (done) n++;
    }
    const ca = await this.store.txn(async (tx) => {
      const rec = await tx.get<SealedCa>(keys.ca());
      // The next CA's key too, when a CA rotation is under way.
      if (!rec || (this.box.sealedByPrimary(rec.key) && (!rec.next || this.box.sealedByPrimary(rec.next.key)))) return false;
      const reseal = (v: string) => (this.box.sealedByPrimary(v) ? v : this.box.seal(this.box.open(v)));
      const resealed: SealedCa = { ...rec, key: reseal(rec.key), ...(rec.next ? { next: { ...rec.next, key: reseal(rec.next.key) } } : {}) };
      tx.put(keys.ca(), resealed);
      return true;
    });
    return n + (ca ? 1 : 0);
  }
}

/** What a re-seal reads of a secret and of the CA record (the rest is kept as it is). */
interface SealedSecret {
  meta: { revision: number; namespace: string; name: string };
  spec: { data?: Record<string, string> };
}
interface SealedCa {
  meta: { revision: number };
  key: string;
  next?: { cert: string; key: string };
}
