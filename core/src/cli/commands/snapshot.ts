// `lb snapshot save FILE` (from the running server: the whole state at one revision, secrets sealed)
// and `lb snapshot restore FILE --data-dir DIR | --etcd-endpoints URLS [--etcd-prefix P]` (into an
// empty target, with no server running on it). See snapshot/ and docs/architecture.md.
import type { Command } from 'commander';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LbError } from '@lastbackend/sdk';
import { CliContext, usage } from '../context';
import { parseSnapshot, readSnapshotFile } from '../../snapshot/format';
import { restoreEtcd, restoreLevel } from '../../snapshot/restore';
import { writeLinesAtomically } from '../../snapshot/save';
import { SCHEMA_VERSION } from '../../store/schema';
import { VERSION } from '../../version';

interface RestoreOptions {
  dataDir?: string;
  etcdEndpoints?: string;
  etcdPrefix: string;
}

export async function runSave(ctx: CliContext, file: string): Promise<void> {
  const lines: string[] = [];
  for await (const v of ctx.client().snapshot()) lines.push(JSON.stringify(v) + '\n');
  // Checked before it is kept: a cut stream never becomes FILE.
  const { header } = parseSnapshot(lines.join(''), 'the snapshot the server sent');
  writeLinesAtomically(file, lines);
  ctx.out(`snapshot ${file}: revision ${header.revision}, ${header.objects} objects (${header.backend}, schema ${header.schema ?? 'none'})`);
  ctx.out('secrets in it are sealed: keep the secret key (<data dir>/secret.key or store.secret_key_file) safe and apart from it');
}

export async function runRestore(ctx: CliContext, file: string, opts: RestoreOptions): Promise<void> {
  if (!opts.dataDir === !opts.etcdEndpoints) throw usage('give one target: --data-dir DIR (level) or --etcd-endpoints URLS (etcd)');
  const { header, dump } = readSnapshotFile(file);
  if ((header.schema ?? 0) > SCHEMA_VERSION)
    throw new LbError('FAILED_PRECONDITION', `${file} holds schema version ${header.schema} (written by lb ${header.lb}), newer than this lb (${VERSION}) knows (${SCHEMA_VERSION})`, {
      fix: `restore it with lb ${header.lb} or newer`,
    });
  if (opts.dataDir) {
    await restoreLevel(opts.dataDir, dump);
    ctx.out(`restored ${file} (revision ${header.revision}, ${header.objects} objects) into ${opts.dataDir}`);
    ctx.out(`secrets open only with the key that sealed them: copy the old secret.key to ${join(opts.dataDir, 'secret.key')} (or set store.secret_key_file) before lb server --data-dir ${opts.dataDir}`);
    return;
  }
  const prefix = opts.etcdPrefix.endsWith('/') ? opts.etcdPrefix : `${opts.etcdPrefix}/`;
  // Loaded only here: etcd3 and its gRPC stack are heavy.
  const { etcdClient } = require('../../ha/etcd-client') as typeof import('../../ha/etcd-client');
  const client = etcdClient({ endpoints: opts.etcdEndpoints!.split(',').map((e) => e.trim()), prefix, lease_ttl: 5 });
  try {
    await restoreEtcd(client.namespace(prefix).namespace('state/'), prefix, dump);
  } finally {
    client.close();
  }
  ctx.out(`restored ${file} (revision ${header.revision}, ${header.objects} objects) into etcd under ${prefix}`);
  ctx.out('secrets open only with the key that sealed them: start the servers with the same store.secret_key_file');
}

export function registerSnapshot(program: Command, ctx: CliContext): void {
  const snap = program.command('snapshot').description('snapshots of the whole state: save one from a running server, restore one into a new data dir or etcd prefix');
  snap
    .command('save <file>')
    .description('write a snapshot of the whole state at one revision (admin only; secrets stay sealed, their key is not in it)')
    .action((file: string) =>
      runSave(ctx, file).catch((e: unknown) => {
        rmSync(`${file}.tmp`, { force: true });
        throw e;
      }),
    );
  snap
    .command('restore <file>')
    .description('bring a snapshot back into an empty target with no server on it: --data-dir DIR, or --etcd-endpoints URLS [--etcd-prefix P]')
    .option('--data-dir <dir>', 'a new data dir for `lb server --data-dir` (refused when it already holds state)')
    .option('--etcd-endpoints <urls>', 'etcd to restore into (comma-separated), under --etcd-prefix')
    .option('--etcd-prefix <prefix>', 'the cluster prefix in etcd (store.etcd.prefix); refused when it already holds state', '/lastbackend/')
    .action((file: string, opts: RestoreOptions) => runRestore(ctx, file, opts));
}
