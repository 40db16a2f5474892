// The etcd client of a server, from the `store.etcd` config (TLS files are read here, once).
import { readFileSync } from 'node:fs';
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen } from 'cockatiel';
import { Etcd3, GRPCCancelledError, isRecoverableError, type IOptions } from 'etcd3';
import { LbError } from '@lastbackend/sdk';
import type { StoreConfig } from '../config/config';

export function etcdClient(cfg: StoreConfig['etcd']): Etcd3 {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new LbError('INVALID_ARGUMENT', `store.etcd.tls.${what}: cannot read ${path}: ${(e as Error).message}`);
    }
  };
  const opts: IOptions = {
    hosts: cfg.endpoints,
    dialTimeout: 5000,
    // etcd3's defaults back a dead member off for 5 s and a broken watch for up to 30 s: after an etcd
    // restart a server would then miss changes for that long. Retry within a second instead.
    faultHandling: {
      // A stream this client cancels itself (a closed watch or lease) says nothing about the host: counted
      // as failures, a few in a row would cut the client off from a healthy etcd for a second.
      host: () =>
        circuitBreaker(
          handleWhen((e) => isRecoverableError(e) && !(e instanceof GRPCCancelledError)),
          { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(3) },
        ),
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }).next(),
    },
  };
  if (cfg.tls?.ca) {
    opts.credentials = {
      rootCertificate: read('ca', cfg.tls.ca),
      ...(cfg.tls.cert ? { certChain: read('cert', cfg.tls.cert) } : {}),
      ...(cfg.tls.key ? { privateKey: read('key', cfg.tls.key) } : {}),
    };
  }
  if (cfg.auth) opts.auth = { username: cfg.auth.username, password: cfg.auth.password };
  return new Etcd3(opts);
}
