// Capacity records: `<root>/.volumes.json` maps "namespace/name" to the capacity reserved for the volume.
// Read fresh for every operation (so a new driver instance on the same root sees the same state) and written
// atomically: a temp file in the same directory, fsync, rename over, fsync of the directory.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LbError } from '@lastbackend/sdk';
import { z } from 'zod';
import { parseRefKey, RECORDS_FILE } from './paths';

export interface VolumeRecord {
  /** Bytes reserved for the volume (0: none requested). */
  capacity: number;
  /** RFC 3339 time the volume was created. */
  created: string;
}

const fileSchema = z.object({
  version: z.literal(1),
  volumes: z.record(z.string(), z.object({ capacity: z.number().int().nonnegative(), created: z.string() })),
});

export type Records = Map<string, VolumeRecord>;

const isErrno = (e: unknown, code: string): boolean => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;

export const recordsPath = (root: string): string => join(root, RECORDS_FILE);

/** Loads the records of `root` (empty when the file does not exist). Throws INTERNAL when it is unreadable. */
export async function loadRecords(root: string): Promise<Records> {
  const file = recordsPath(root);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return new Map();
    throw new LbError('INTERNAL', `cannot read volume records ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw corrupt(file, e instanceof Error ? e.message : String(e));
  }
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) throw corrupt(file, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const out: Records = new Map();
  for (const [key, rec] of Object.entries(parsed.data.volumes)) {
    if (!parseRefKey(key)) throw corrupt(file, `${JSON.stringify(key)} is not a namespace/name of DNS labels`);
    out.set(key, { capacity: rec.capacity, created: rec.created });
  }
  return out;
}

const corrupt = (file: string, why: string) =>
  new LbError('INTERNAL', `volume records ${file} are corrupt: ${why}`, { fix: `restore ${file} from a backup; the driver does not guess capacities` });

/** Writes the records of `root` atomically. */
export async function saveRecords(root: string, records: Records): Promise<void> {
  const file = recordsPath(root);
  const volumes: Record<string, VolumeRecord> = {};
  for (const key of [...records.keys()].sort()) {
    const rec = records.get(key);
    if (rec) volumes[key] = { capacity: rec.capacity, created: rec.created };
  }
  const text = `${JSON.stringify({ version: 1, volumes }, null, 2)}\n`;
  const tmp = join(root, `${RECORDS_FILE}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new LbError('UNAVAILABLE', `cannot write volume records ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  await syncDir(root);
}

/** fsyncs a directory so a rename in it is durable; best effort (some file systems refuse). */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // not every file system lets a directory be fsynced
  }
}

/** Sum of the reserved capacities, optionally without one volume. */
export function reserved(records: Records, except?: string): number {
  let sum = 0;
  for (const [key, rec] of records) if (key !== except) sum += rec.capacity;
  return sum;
}
