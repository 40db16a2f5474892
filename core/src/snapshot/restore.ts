// Restoring a snapshot into a new level data dir or an empty etcd prefix. The target must be empty: a
// restore never merges into (or overwrites) a live cluster's state.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Namespace } from 'etcd3';
import { LbError } from '@lastbackend/sdk';
import { LevelStore } from '../store/level-store';
import type { StoreDump } from '../store/types';

/** The level store of a data dir (as ha/state.ts opens it). */
export const levelStateDir = (dataDir: string) => join(dataDir, 'state');

export async function restoreLevel(dataDir: string, d: StoreDump): Promise<void> {
  const dir = levelStateDir(dataDir);
  if (existsSync(dir) && readdirSync(dir).length)
    throw new LbError('FAILED_PRECONDITION', `${dataDir} already holds a state store (${dir} is not empty)`, { fix: 'restore into a new, empty --data-dir (a restore never merges into existing state)' });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store = new LevelStore(dir);
  try {
    await store.open();
  } catch (e) {
    throw new LbError('UNAVAILABLE', `cannot open a state store in ${dir}: ${(e as Error).message}`, { fix: 'check that no lb server runs on that data dir' });
  }
  try {
    await store.load(d);
  } finally {
    await store.close();
  }
}

/** etcd's default --max-txn-ops is 128. */
const PER_TXN = 100;

/**
 * ns: the state namespace (<prefix>state/). Objects go first in batches, the revision counter and the
 * schema last: a server never sees a half-restored prefix as a store at some revision (and a second
 * restore into it is refused: it is not empty).
 */
export async function restoreEtcd(ns: Namespace, where: string, d: StoreDump): Promise<void> {
  const present = await ns.getAll().prefix('').limit(1).keys();
  if (present.length)
    throw new LbError('FAILED_PRECONDITION', `the etcd prefix ${where} already holds state (e.g. ${JSON.stringify(present[0])})`, { fix: 'restore into a new, empty prefix (--etcd-prefix), or delete this one first: etcdctl del --prefix PREFIX' });
  for (let i = 0; i < d.entries.length; i += PER_TXN) {
    const chunk = d.entries.slice(i, i + PER_TXN);
    await ns.if('\u0000revision', 'Create', '==', 0).then(...chunk.map(([k, v]) => ns.put(k).value(v))).commit();
  }
  const last = [ns.put('\u0000revision').value(JSON.stringify({ revision: d.revision })), ...(d.schema === undefined ? [] : [ns.put('\u0000schema').value(String(d.schema))])];
  const res = await ns.if('\u0000revision', 'Create', '==', 0).then(...last).commit();
  if (!res.succeeded) throw new LbError('FAILED_PRECONDITION', `someone else wrote to the etcd prefix ${where} during the restore`, { fix: 'stop every lb server on that prefix, delete it, and restore again' });
}
