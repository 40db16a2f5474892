// The schema version of the stored data (the data dir's LevelDB, or the etcd prefix). A newer lb
// migrates an older store on start, one registered step at a time, after the caller took a snapshot;
// an older lb refuses a newer store rather than misread it.
import { LbError } from '@lastbackend/sdk';
import type { Store } from './store';

/** The schema this lb writes and reads. Bump it with a migration in MIGRATIONS. */
export const SCHEMA_VERSION = 1;

export interface Migration {
  from: number;
  to: number;
  /** What it changes, for the log. */
  what: string;
  run(store: Store): Promise<void>;
}

/** Every step from an older schema; 0 is a store written before schema versions existed (lb 0.1.0). */
export const MIGRATIONS: readonly Migration[] = [
  { from: 0, to: 1, what: 'record the schema version (the data itself is unchanged)', run: async () => undefined },
];

export interface SchemaOptions {
  /** The store as the operator knows it (a data dir, an etcd prefix), for messages. */
  where: string;
  /** This lb's version, for the refusal. */
  lb: string;
  /** Called once before the first step (take a snapshot there); a throw stops the migration. */
  beforeMigrate(from: number, to: number): Promise<void>;
  log?: (msg: string) => void;
  current?: number;
  migrations?: readonly Migration[];
}

/** Brings an open store to the current schema; a new (empty) store just gets the current version. */
export async function ensureSchema(store: Store, o: SchemaOptions): Promise<{ from: number | undefined; to: number }> {
  const current = o.current ?? SCHEMA_VERSION;
  const migrations = o.migrations ?? MIGRATIONS;
  const found = await store.backend.schemaVersion();
  if (found === undefined && store.revision === 0) {
    await store.backend.setSchemaVersion(current);
    return { from: undefined, to: current };
  }
  let v = found ?? 0;
  if (v > current)
    throw new LbError('FAILED_PRECONDITION', `the state store in ${o.where} has schema version ${v}, newer than this lb (${o.lb}) knows (${current})`, {
      fix: `run the lb release that wrote it (or a newer one); to go back to this release, restore a snapshot taken before the upgrade: lb snapshot restore FILE --data-dir NEW_DIR`,
    });
  if (v === current) return { from: v, to: v };
  const from = v;
  await o.beforeMigrate(from, current);
  while (v < current) {
    const step = migrations.find((m) => m.from === v);
    if (!step) throw new LbError('FAILED_PRECONDITION', `no migration of the state store from schema version ${v} (in ${o.where})`, { fix: 'upgrade through an lb release that knows that schema version' });
    o.log?.(`state store ${o.where}: migrating schema ${step.from} → ${step.to}: ${step.what}`);
    await step.run(store);
    await store.backend.setSchemaVersion(step.to);
    v = step.to;
  }
  return { from, to: v };
}
