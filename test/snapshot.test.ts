// Day-two state operations against real `lb server` processes and their real level stores:
// - snapshot round trip: `lb snapshot save` while a writer keeps committing, then wipe the state and
//   `lb snapshot restore`: exactly the objects at the snapshot's revision come back, with their
//   revisions, and the sealed secret still opens with the data dir's key (which is not in the file);
//   the server's node adopts its running containers after the restore, restarting none;
// - upgrade: a data dir written by lb 0.1.0 (test/fixtures/data-dir-schema-0, no schema version) is
//   migrated on start after a snapshot, and served;
// - a store with a newer schema is refused with both versions and the fix;
// - etcd: a dump at one revision under writes, restore into an empty prefix only;
// - scheduled snapshots with retention.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, freePort, lb, readyPods, TEST_DEFAULTS, TestServer, uniq, waitFor, webService } from './harness';
import { Etcd3 } from 'etcd3';
import { startLocalEtcd } from '../core/src/ha/local-etcd';
import { readSnapshotFile, snapshotLines } from '../core/src/snapshot/format';
import { writeLinesAtomically } from '../core/src/snapshot/save';
import { EtcdStore } from '../core/src/store/etcd-store';
import { ensureSchema } from '../core/src/store/schema';
import { Store } from '../core/src/store/store';
import { LevelStore } from '../core/src/store/level-store';
import { SCHEMA_VERSION } from '../core/src/store/schema';
import { SecretBox } from '../core/src/state/secret-box';

const startedAt = (id: string) => docker(['inspect', '--format', '{{.State.StartedAt}}', id]);
const FIXTURE = join(__dirname, 'fixtures', 'data-dir-schema-0');
const servers: TestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};

async function start(dataDir?: string): Promise<TestServer> {
  const s = await TestServer.start({ agent: false, extraArgs: ['--insecure-http'], ...(dataDir ? { dataDir } : {}) });
  servers.push(s);
  return s;
}

/** A secret's values, opened with the data dir's key, read straight from the (stopped) server's store. */
async function openSecret(dataDir: string, ns: string, name: string): Promise<Record<string, string>> {
  const store = new LevelStore(join(dataDir, 'state'));
  await store.open();
  try {
    const s = await store.get<{ meta: { revision: number }; spec: { data: Record<string, string> } }>(`secret/${ns}/${name}`);
    if (!s) throw new Error(`secret/${ns}/${name} is not in the store`);
    expect(s.spec.data.password).not.toBe('hunter2'); // sealed at rest
    return SecretBox.forDataDir(dataDir).openAll(s.spec.data);
  } finally {
    await store.close();
  }
}

test('snapshot round trip under load: the state at one revision comes back with its revisions, the secret still opens', async () => {
  const s = await start();
  await s.client.create('secret', 'default', { kind: 'Secret', version: 'v1', meta: { name: 'db-pass' }, spec: { type: 'opaque', data: { password: 'hunter2' } } });
  // The load: one write after another, each acknowledged revision recorded.
  const acked: { name: string; revision: number }[] = [];
  let stop = false;
  const load = (async () => {
    for (let i = 0; !stop; i++) {
      const c = (await s.client.create('config', 'default', { kind: 'Config', version: 'v1', meta: { name: `load-${i}` }, spec: { data: { i: String(i) } } })) as { meta: { revision: number } };
      acked.push({ name: `load-${i}`, revision: c.meta.revision });
    }
  })();
  await waitFor(async () => acked.length, (n) => n >= 10, 'some writes before the snapshot');
  const file = join(tmp('lb-snapfile-'), 'state.lbsnap');
  const saved = await s.lb(['snapshot', 'save', file]);
  expect(saved.stderr).toBe('');
  expect(saved.code).toBe(0);
  const seen = acked.length;
  await waitFor(async () => acked.length, (n) => n >= seen + 10, 'writes after the snapshot');
  stop = true;
  await load;

  const { header, dump } = readSnapshotFile(file);
  expect(saved.stdout).toContain(`revision ${header.revision}`);
  expect(header.schema).toBe(SCHEMA_VERSION);
  const inSnap = new Map(dump.entries.map(([k, t]) => [k, JSON.parse(t) as { meta: { revision: number } }]));
  // Exactly the writes up to its revision: each with its revision, none after it.
  for (const a of acked) {
    const key = `config/default/${a.name}`;
    if (a.revision <= header.revision) expect(inSnap.get(key)?.meta.revision).toBe(a.revision);
    else expect(inSnap.has(key)).toBe(false);
  }
  expect(acked.some((a) => a.revision > header.revision)).toBe(true);
  expect(acked.filter((a) => a.revision <= header.revision).length).toBeGreaterThanOrEqual(10);
  for (const o of inSnap.values()) expect(o.meta.revision).toBeLessThanOrEqual(header.revision);
  // The key that seals secrets is not in the file.
  const key = readFileSync(join(s.dataDir, 'secret.key'));
  expect(readFileSync(file).includes(key)).toBe(false);
  expect(readFileSync(file).includes(Buffer.from(key.toString('base64')))).toBe(false);
  expect(readFileSync(file, 'utf8')).not.toContain('hunter2');

  // Wipe the state (the data dir keeps its secret key, as an operator keeps it apart), restore, serve.
  await s.stop();
  rmSync(join(s.dataDir, 'state'), { recursive: true });
  const restored = await lb(['snapshot', 'restore', file, '--data-dir', s.dataDir]);
  expect(restored.stderr).toBe('');
  expect(restored.code).toBe(0);
  const back = new LevelStore(join(s.dataDir, 'state'));
  await back.open();
  expect(await back.dump()).toEqual(dump);
  await back.close();
  // A second restore into the same data dir is refused.
  const again = await lb(['snapshot', 'restore', file, '--data-dir', s.dataDir]);
  expect(again.code).not.toBe(0);
  expect(again.stderr).toMatch(/already holds a state store/);

  await s.launch();
  const configs = (await s.client.list('config', 'default')) as { meta: { name: string; revision: number } }[];
  const want = [...inSnap].filter(([k]) => k.startsWith('config/default/')).map(([, o]) => o);
  expect(configs.map((c) => [c.meta.name, c.meta.revision]).sort()).toEqual(want.map((o) => [(o as unknown as { meta: { name: string } }).meta.name, o.meta.revision]).sort());
  await s.stop();
  expect(await openSecret(s.dataDir, 'default', 'db-pass')).toEqual({ password: 'hunter2' });
});

test('upgrade: a data dir written by lb 0.1.0 is migrated after a snapshot, and served', async () => {
  const dataDir = tmp('lb-upgrade-');
  cpSync(FIXTURE, dataDir, { recursive: true });
  const s = await start(dataDir);
  // The snapshot taken before the migration, of the store as 0.1.0 left it (no schema version).
  const snaps = readdirSync(join(dataDir, 'snapshots')).filter((f) => /^pre-migrate-schema-0-to-1-\d+\.lbsnap$/.test(f));
  expect(snaps).toHaveLength(1);
  const pre = readSnapshotFile(join(dataDir, 'snapshots', snaps[0]));
  expect(pre.header.schema).toBeUndefined();
  expect(pre.dump.entries.map(([k]) => k)).toEqual(expect.arrayContaining(['secret/default/db-pass', 'service/default/web', 'namespace/default']));
  // Served: what 0.1.0 wrote, readable and writable.
  expect(((await s.client.service('default', 'web')) as { meta: { name: string } }).meta.name).toBe('web');
  expect(((await s.client.get('secret', 'default', 'db-pass')) as { meta: { name: string } }).meta.name).toBe('db-pass');
  await s.client.create('config', 'default', { kind: 'Config', version: 'v1', meta: { name: 'after-upgrade' }, spec: { data: { a: 'b' } } });
  // A second start migrates nothing more.
  await s.stop();
  await s.launch();
  expect(readdirSync(join(dataDir, 'snapshots')).filter((f) => f.startsWith('pre-migrate-'))).toHaveLength(1);
  await s.stop();
  const store = new LevelStore(join(dataDir, 'state'));
  await store.open();
  expect(await store.schemaVersion()).toBe(SCHEMA_VERSION);
  await store.close();
  expect(await openSecret(dataDir, 'default', 'db-pass')).toEqual({ password: 'hunter2' });
});

test('a store with a newer schema is refused with both versions and the fix, and left as it was', async () => {
  const dataDir = tmp('lb-too-new-');
  cpSync(FIXTURE, dataDir, { recursive: true });
  const store = new LevelStore(join(dataDir, 'state'));
  await store.open();
  await store.setSchemaVersion(SCHEMA_VERSION + 1);
  const before = await store.dump();
  await store.close();
  // Run to its exit (it must not start): the refusal is on stderr with the exit code.
  const r = await lb(['server', '--data-dir', dataDir, '--listen', `127.0.0.1:${await freePort()}`, '--token', 'too-new-test-token-0123456789', '--no-agent', '--insecure-http']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this lb \\(\\S+\\) knows \\(${SCHEMA_VERSION}\\).*Fix: .*lb snapshot restore`));
  expect(existsSync(join(dataDir, 'snapshots'))).toBe(false);
  const after = new LevelStore(join(dataDir, 'state'));
  await after.open();
  expect(await after.dump()).toEqual(before);
  await after.close();
});

test('etcd: a dump under concurrent writes is one revision, restore goes into an empty prefix only, the schema key is no object', async () => {
  const etcd = await startLocalEtcd();
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    const store = new Store(new EtcdStore(client.namespace('/src/').namespace('state/')));
    await store.open();
    expect(await ensureSchema(store, { where: 'etcd /src/', lb: 't', beforeMigrate: async () => undefined })).toEqual({ from: undefined, to: SCHEMA_VERSION });
    const writes = Array.from({ length: 60 }, (_, i) => store.txn(async (tx) => tx.put(`config/default/c${i % 20}`, { meta: { revision: 0 }, i } as never)));
    const mid = await store.backend.dump();
    await Promise.all(writes);
    const d = await store.backend.dump();
    expect(d.schema).toBe(SCHEMA_VERSION);
    expect(d.revision).toBe(60);
    expect(d.entries).toHaveLength(20);
    for (const dd of [mid, d]) for (const [, t] of dd.entries) expect((JSON.parse(t) as { meta: { revision: number } }).meta.revision).toBeLessThanOrEqual(dd.revision);
    expect((await store.list('')).length).toBe(20); // neither the counter nor the schema is listed
    await store.close();

    const file = join(tmp('lb-etcdsnap-'), 'etcd.lbsnap');
    writeLinesAtomically(file, snapshotLines(d, { lb: 'test', backend: 'etcd' }));
    const r = await lb(['snapshot', 'restore', file, '--etcd-endpoints', etcd.endpoint, '--etcd-prefix', '/restored/']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const back = new Store(new EtcdStore(client.namespace('/restored/').namespace('state/')));
    await back.open();
    expect(back.revision).toBe(d.revision);
    expect(await back.backend.dump()).toEqual(d);
    // It serves on from there: the next commit is the next revision.
    await back.txn(async (tx) => tx.put('config/default/after', { meta: { revision: 0 } }));
    expect(((await back.get<{ meta: { revision: number } }>('config/default/after'))!).meta.revision).toBe(d.revision + 1);
    await back.close();
    const again = await lb(['snapshot', 'restore', file, '--etcd-endpoints', etcd.endpoint, '--etcd-prefix', '/restored/']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds state/);
  } finally {
    client.close();
    await etcd.stop();
  }
});

test('after a restore the node adopts its running containers: same ids, none restarted', async () => {
  const s = await TestServer.start();
  servers.push(s);
  const ns = uniq('snap');
  await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  await s.client.createService(ns, webService('web', 2));
  await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 2, '2 ready pods');
  const ids = s.containers({ 'io.lastbackend.namespace': ns });
  expect(ids).toHaveLength(2);
  const started = new Map(ids.map((id) => [id, startedAt(id)]));
  const file = join(tmp('lb-snapfile-'), 'state.lbsnap');
  expect((await s.lb(['snapshot', 'save', file])).code).toBe(0);

  await s.stop();
  rmSync(join(s.dataDir, 'state'), { recursive: true });
  const r = await lb(['snapshot', 'restore', file, '--data-dir', s.dataDir]);
  expect(r.stderr).toBe('');
  await s.launch();
  const pods = await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 2, 'ready again after the restore');
  expect(s.containers({ 'io.lastbackend.namespace': ns }).sort()).toEqual([...ids].sort());
  for (const [id, t] of started) expect(startedAt(id)).toBe(t);
  expect(pods.every((p) => p.status.containers.every((c) => c.restarts === 0))).toBe(true);
});

test('scheduled snapshots: the leader takes one each period and keeps the newest `keep`', async () => {
  const dataDir = tmp('lb-sched-');
  const out = join(dataDir, 'backups');
  const config = join(dataDir, 'config.json');
  writeFileSync(config, JSON.stringify({ ...TEST_DEFAULTS, snapshots: { every: '1s', keep: 2, dir: out } }));
  const s = await TestServer.start({ agent: false, extraArgs: ['--insecure-http'], dataDir, config });
  servers.push(s);
  const seen = new Set<string>();
  await waitFor(
    async () => {
      const files = existsSync(out) ? readdirSync(out) : [];
      files.forEach((f) => seen.add(f));
      return files;
    },
    (files) => seen.size >= 4 && files.length === 2,
    'four scheduled snapshots taken, two kept',
    60_000,
  );
  for (const f of readdirSync(out)) {
    expect(f).toMatch(/^lb-snapshot-\d{8}T\d{6}Z\.lbsnap$/);
    expect(readSnapshotFile(join(out, f)).header.objects).toBeGreaterThan(0);
  }
});
