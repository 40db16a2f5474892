// Writing a snapshot file from a running store: the lines go to FILE.tmp (mode 0600: it holds the
// cluster's objects, secrets sealed), which is synced and renamed, so FILE is whole or absent.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KernelConfig } from '../config/config';
import type { Store } from '../store/store';
import { VERSION } from '../version';
import { snapshotLines, type SnapshotHeader } from './format';

/** Writes lines to file atomically (tmp + fsync + rename). */
export function writeLinesAtomically(file: string, lines: Iterable<string>): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    let buf = '';
    for (const l of lines) {
      buf += l;
      if (buf.length > 1 << 20) (writeSync(fd, buf), (buf = ''));
    }
    if (buf) writeSync(fd, buf);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Takes a snapshot of the store (one revision, synced writes only) into file; returns its header. */
export async function saveSnapshot(store: Store, file: string): Promise<Pick<SnapshotHeader, 'revision' | 'objects'>> {
  const d = await store.backend.dump();
  writeLinesAtomically(file, snapshotLines(d, { lb: VERSION, backend: store.backend.kind }));
  return { revision: d.revision, objects: d.entries.length };
}

/** Where a server's snapshots go: snapshots.dir, else <data dir>/snapshots. */
export function snapshotDir(cfg: KernelConfig): string {
  return cfg.snapshots.dir ?? join(cfg.data_dir, 'snapshots');
}
