// The state store as a module: opened (level in the data dir, or etcd) before any part that reads it,
// closed after every one of them, with the key that seals secrets and the typed views over the store
// that the API, the controller and the ingress share.
import { Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Namespace as EtcdNamespace } from 'etcd3';
import type { Namespace, NamespaceResources } from '@lastbackend/sdk';
import { ClusterState } from '../cluster/cluster';
import type { KernelConfig } from '../config/config';
import { openState, secretBoxFor, type OpenState } from '../ha/state';
import type { Logger } from '../kernel/logger';
import { Resources } from '../state/resources';
import type { SecretBox } from '../state/secret-box';
import { openDataDirBox, SecretKeyRotation } from '../state/secret-key-rotation';
import { keys } from '../store/keys';
import { newMeta } from '../store/meta';
import type { Store } from '../store/store';
import { VERSION } from '../version';
import { Lifecycle, started } from './lifecycle';
import { CONFIG, LOGGER } from './tokens';

interface Opened {
  state: OpenState;
  box: SecretBox;
  resources: Resources;
  cluster: ClusterState;
}

@Injectable()
export class StorePart implements OnModuleInit, OnApplicationShutdown {
  private opened?: Opened;

  constructor(
    @Inject(CONFIG) private readonly cfg: KernelConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  get store(): Store {
    return this.part().state.store;
  }
  /** The cluster's etcd namespace (etcd backend only): the leader election lives there too. */
  get etcd(): EtcdNamespace | undefined {
    return this.part().state.etcd;
  }
  get box(): SecretBox {
    return this.part().box;
  }
  get resources(): Resources {
    return this.part().resources;
  }
  get cluster(): ClusterState {
    return this.part().cluster;
  }

  private part(): Opened {
    return started(this.opened, 'the store');
  }

  onModuleInit(): Promise<void> {
    return this.lifecycle.start('store', async () => {
      const state = await openState(this.cfg, this.log.child('store'));
      let box: SecretBox;
      try {
        await ensureDefaultNamespace(state.store, this.cfg.quota.default);
        box = secretBoxFor(this.cfg, this.log);
      } catch (e) {
        await state.close().catch(() => undefined);
        throw e;
      }
      const resources = new Resources(state.store, box, this.cfg.network.service_cidr, this.cfg.quota.default);
      // Online key rotation needs the key in the data dir (servers sharing a key file would all need the new
      // one) and TLS (over plain HTTP agents hold a key derived from the secret key until they restart).
      const refusal = this.cfg.store.secret_key_file || this.cfg.store.backend === 'etcd'
        ? 'this server\'s secret key is store.secret_key_file (or the store is etcd): every server would need the new key first'
        : !this.cfg.tls.enabled
          ? 'this server runs over plain HTTP (--insecure-http): its agents hold a key derived from the secret key, which a rotation would change under them'
          : undefined;
      if (refusal) resources.keyRotationRefused = refusal;
      else {
        const rotation = new SecretKeyRotation(state.store, box, this.cfg.data_dir);
        // A rotation a restart interrupted is finished before anything is served (every key still opens).
        if (openDataDirBox(this.cfg.data_dir).pending) {
          const r = await rotation.resume();
          this.log.info(`finished an interrupted secret key rotation: ${r.resealed} object(s) re-sealed under key ${r.key_id}`);
        }
        resources.keyRotation = rotation;
      }
      const cluster = new ClusterState(state.store, VERSION, this.cfg.network);
      this.opened = { state, box, resources, cluster };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const opened = this.opened;
    if (!opened) return;
    this.opened = undefined;
    await this.lifecycle.stop('store', () => opened.state.close());
  }
}

/** The namespace `default`, made on the first start with the cluster's default quota (quota.default), if any. */
async function ensureDefaultNamespace(store: Store, quota: NamespaceResources | undefined): Promise<void> {
  await store.txn(async (tx) => {
    if (await tx.get(keys.namespace('default'))) return;
    const ns: Namespace = { kind: 'Namespace', version: 'v1', meta: newMeta({ name: 'default' }), spec: quota ? { resources: quota } : {}, status: { state: 'ready' } };
    tx.put(keys.namespace('default'), ns);
  });
}

@Module({ providers: [StorePart], exports: [StorePart] })
export class StoreModule {}
