#!/usr/bin/env node
// Benchmark (not a test): durable transactions per second through the level state store (core/dist/store),
// each resolved only once its write is synced to disk, with N callers at once (as concurrent API requests
// are). The store writes the transactions that arrive during a sync together in the next synced batch
// (group commit). The peer, in the same run on the same disk: the same transactions one at a time, each
// its own synced batch (how the store wrote before group commit). Each transaction is a create: it reads
// the namespace and the key, then puts a ~300-byte object. Afterwards the store is reopened and every
// resolved create must be there. Usage: node test/bench/store.js [--quick] [seconds]
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Level } = require('level');
const { Store } = require('../../core/dist/store/store');
const { now, quick, report } = require('./lib');

const SECONDS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? (quick ? 1 : 5));
const CALLERS = [10, 100];
const TARGET = 3000;
const value = (k) => ({ kind: 'Config', meta: { name: k, namespace: 'bench', labels: {}, uid: k, created: '', updated: '', revision: 0 }, spec: { data: { k: 'v'.repeat(200) } } });

/** Runs `callers` loops doing one create each per turn for SECONDS; returns [creates/s, keys resolved]. */
async function drive(callers, create) {
  const done = [];
  let n = 0;
  const end = now() + SECONDS * 1000;
  const t0 = now();
  await Promise.all(Array.from({ length: callers }, async () => {
    while (now() < end) {
      const k = `/config/bench/c${n++}`;
      await create(k);
      done.push(k);
    }
  }));
  return [done.length / ((now() - t0) / 1000), done];
}

/** The store under test; afterwards every resolved key is checked on a reopened store. */
async function storeRun(callers) {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-store-'));
  try {
    const s = new Store(dir);
    await s.open();
    await s.txn(async (tx) => tx.put('/namespace/bench', { meta: { revision: 0 } }));
    const [rate, done] = await drive(callers, (k) =>
      s.txn(async (tx) => {
        if (!(await tx.get('/namespace/bench'))) throw new Error('no namespace');
        if (await tx.get(k)) throw new Error('exists');
        tx.put(k, value(k));
      }),
    );
    await s.close();
    const again = new Store(dir);
    await again.open();
    const stored = new Set((await again.entries('/config/bench/')).map(([k]) => k));
    await again.close();
    return { rate, resolved: done.length, missing: done.filter((k) => !stored.has(k)).length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The peer: one transaction at a time, the same reads, one synced batch each. */
async function serialRun(callers) {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-store-'));
  try {
    const db = new Level(dir, { valueEncoding: 'json' });
    await db.open();
    await db.put('/namespace/bench', { meta: { revision: 0 } });
    let chain = Promise.resolve();
    let rev = 0;
    const [rate] = await drive(callers, (k) => {
      const run = async () => {
        if (!(await db.get('/namespace/bench'))) throw new Error('no namespace');
        if (await db.get(k)) throw new Error('exists');
        const v = value(k);
        v.meta.revision = ++rev;
        await db.batch([{ type: 'put', key: k, value: v }, { type: 'put', key: '\u0000revision', value: rev }], { sync: true });
      };
      const p = chain.then(run);
      chain = p.catch(() => undefined);
      return p;
    });
    await db.close();
    return rate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const rows = [];
  const extra = { seconds: SECONDS, runs: [] };
  for (const callers of CALLERS) {
    const peer = await serialRun(callers);
    const r = await storeRun(callers);
    extra.runs.push({ callers, ...r, peer });
    rows.push({ figure: `durable creates, ${callers} callers`, value: Math.round(r.rate), unit: 'txn/s', peer: 'one synced batch per txn, serial', peerValue: Math.round(peer), target: `≥ ${TARGET.toLocaleString('en-US')}/s` });
    rows.push({ figure: `creates resolved but missing after reopen, ${callers} callers`, value: r.missing, unit: '', target: '0' });
  }
  report({ title: `level state store: durable transactions, group commit vs one synced batch per txn (${SECONDS} s each)`, rows, extra });
  if (extra.runs.some((r) => r.missing)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
