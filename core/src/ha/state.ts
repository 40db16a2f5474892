// Opens the state store the config selects: level in the data dir (default) or etcd under a prefix.
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { Etcd3, Namespace } from 'etcd3';
import { LbError } from '@lastbackend/sdk';
import type { KernelConfig } from '../config/config';
import type { Logger } from '../kernel/logger';
import { SecretBox } from '../state/secret-box';
import { openDataDirBox } from '../state/secret-key-rotation';
import { EtcdStore } from '../store/etcd-store';
import { ensureSchema } from '../store/schema';
import { Store } from '../store/store';
import { saveSnapshot, snapshotDir } from '../snapshot/save';
import { VERSION } from '../version';

export interface OpenState {
  store: Store;
  /** The cluster's etcd namespace (etcd backend only): the election lives there too. */
  etcd?: Namespace;
  close(): Promise<void>;
}

export async function openState(cfg: KernelConfig, log: Logger): Promise<OpenState> {
  if (cfg.store.backend === 'level') {
    const store = new Store(join(cfg.data_dir, 'state'), { changeLog: cfg.watch.change_log });
    try {
      await store.open();
    } catch (e) {
      const locked = /lock/i.test(String((e as { cause?: Error }).cause?.message ?? (e as Error).message));
      throw new LbError('UNAVAILABLE', locked ? `data dir ${cfg.data_dir} is in use by another lb server` : `cannot open the state store in ${cfg.data_dir}: ${(e as Error).message}`, {
        fix: locked ? 'stop the other server or use another --data-dir' : 'check the data dir',
      });
    }
    await schemaOrClose(store, cfg, log, cfg.data_dir, () => store.close());
    return { store, close: () => store.close() };
  }
  // Loaded only here: etcd3 (and its gRPC stack) costs a level-backed server memory for nothing.
  const { etcdClient } = require('./etcd-client') as typeof import('./etcd-client');
  const client: Etcd3 = etcdClient(cfg.store.etcd);
  // Objects under <prefix>state/, the leader election under <prefix>election/.
  const ns = client.namespace(cfg.store.etcd.prefix);
  const store = new Store(new EtcdStore(ns.namespace('state/'), { warn: (m) => log.warn(m) }), { changeLog: cfg.watch.change_log });
  try {
    await store.open();
  } catch (e) {
    client.close();
    throw new LbError('UNAVAILABLE', `cannot reach etcd at ${cfg.store.etcd.endpoints.join(', ')}: ${(e as Error).message}`, {
      fix: 'start etcd or fix store.etcd.endpoints (and tls/auth) in the config',
    });
  }
  await schemaOrClose(store, cfg, log, `etcd prefix ${cfg.store.etcd.prefix}`, async () => (await store.close(), client.close()));
  log.info(`state in etcd ${cfg.store.etcd.endpoints.join(',')} under ${cfg.store.etcd.prefix}`);
  return {
    store,
    etcd: ns,
    close: async () => {
      await store.close();
      client.close();
    },
  };
}

/**
 * Brings the store to this lb's schema (store/schema.ts): an older one is migrated after a snapshot of
 * it is written to the snapshot dir; a newer one is refused. The store is closed when it throws.
 */
async function schemaOrClose(store: Store, cfg: KernelConfig, log: Logger, where: string, close: () => Promise<void>): Promise<void> {
  try {
    const r = await ensureSchema(store, {
      where,
      lb: VERSION,
      log: (m) => log.info(m),
      beforeMigrate: async (from, to) => {
        const file = join(snapshotDir(cfg), `pre-migrate-schema-${from}-to-${to}-${Date.now()}.lbsnap`);
        const s = await saveSnapshot(store, file);
        log.info(`state store ${where}: snapshot before migrating: ${file} (revision ${s.revision}, ${s.objects} objects)`);
      },
    });
    if (r.from !== r.to && r.from !== undefined) log.info(`state store ${where}: schema ${r.from} → ${r.to}`);
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}

/**
 * The key that seals secrets: store.secret_key_file when set (servers sharing one etcd must all use the
 * same key), else the data dir's own key.
 */
export function secretBoxFor(cfg: KernelConfig, log: Logger): SecretBox {
  const file = cfg.store.secret_key_file;
  if (!file) {
    if (cfg.store.backend === 'etcd')
      log.warn('store.secret_key_file is not set: secrets sealed by this server cannot be read by the others (give every server the same key file)');
    return openDataDirBox(cfg.data_dir).box;
  }
  if (!existsSync(file)) throw new LbError('FAILED_PRECONDITION', `secret key file ${file} does not exist`, { fix: 'create it once with `head -c 32 /dev/urandom > FILE; chmod 600 FILE` and copy it to every server' });
  const key = readFileSync(file);
  if (key.length !== 32) throw new LbError('FAILED_PRECONDITION', `${file} is not a 32-byte key`, { fix: 'use the same 32-byte key file on every server' });
  return SecretBox.withKey(key);
}
