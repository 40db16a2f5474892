// The snapshot file: NDJSON. A header (format, lb version, backend, revision, schema, object count), one
// line per object ([key, its JSON text as stored], so a restore writes the very bytes that were saved),
// and a trailer with the count and a sha256 of every line before it, so a truncated or edited file is
// refused. Secrets are in it as they are in the store, sealed; the key that seals them is not.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LbError } from '@lastbackend/sdk';
import type { StoreDump } from '../store/types';

export const SNAPSHOT_FORMAT = 1;

export interface SnapshotHeader {
  lastbackend_snapshot: number;
  lb: string;
  backend: 'level' | 'etcd';
  revision: number;
  /** The store's schema version (undefined: a store from before schema versions). */
  schema?: number;
  created: string;
  objects: number;
}

interface Trailer {
  end: true;
  objects: number;
  sha256: string;
}

/** The file's lines, each ending in "\n". */
export function* snapshotLines(d: StoreDump, meta: { lb: string; backend: 'level' | 'etcd'; created?: string }): Generator<string> {
  const hash = createHash('sha256');
  const header: SnapshotHeader = {
    lastbackend_snapshot: SNAPSHOT_FORMAT,
    lb: meta.lb,
    backend: meta.backend,
    revision: d.revision,
    ...(d.schema === undefined ? {} : { schema: d.schema }),
    created: meta.created ?? new Date().toISOString(),
    objects: d.entries.length,
  };
  const out = (line: string) => (hash.update(line), line);
  yield out(JSON.stringify(header) + '\n');
  for (const e of d.entries) yield out(JSON.stringify(e) + '\n');
  const trailer: Trailer = { end: true, objects: d.entries.length, sha256: hash.digest('hex') };
  yield JSON.stringify(trailer) + '\n';
}

/** Parses and checks a snapshot's text; throws naming what is wrong (never a half-read dump). */
export function parseSnapshot(text: string, where = 'the snapshot'): { header: SnapshotHeader; dump: StoreDump } {
  const bad = (why: string) => new LbError('INVALID_ARGUMENT', `${where} is not a usable lb snapshot: ${why}`, { fix: 'use a file written by `lb snapshot save` (or a scheduled snapshot), whole' });
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 2) throw bad('it has no header and trailer');
  let header: SnapshotHeader;
  let trailer: Trailer;
  try {
    header = JSON.parse(lines[0]) as SnapshotHeader;
    trailer = JSON.parse(lines[lines.length - 1]) as Trailer;
  } catch (e) {
    throw bad(`a line is not JSON (${(e as Error).message})`);
  }
  if (header.lastbackend_snapshot !== SNAPSHOT_FORMAT) throw bad(`format ${String(header.lastbackend_snapshot)} (this lb reads format ${SNAPSHOT_FORMAT})`);
  if (trailer.end !== true) throw bad('it ends early (no trailer: the save did not finish or the file was cut)');
  const body = lines.slice(1, -1);
  const hash = createHash('sha256');
  for (const l of lines.slice(0, -1)) hash.update(l + '\n');
  if (hash.digest('hex') !== trailer.sha256) throw bad('its checksum does not match (the file was changed or cut)');
  if (body.length !== trailer.objects || body.length !== header.objects) throw bad(`it holds ${body.length} objects, its header says ${header.objects}`);
  const entries = body.map((l) => JSON.parse(l) as [string, string]);
  return { header, dump: { revision: header.revision, schema: header.schema, entries } };
}

export function readSnapshotFile(file: string): { header: SnapshotHeader; dump: StoreDump } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LbError('INVALID_ARGUMENT', `cannot read the snapshot ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseSnapshot(text, file);
}
