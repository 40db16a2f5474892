// security.user by name, looked up in the container's own /etc/passwd and /etc/group the way Docker does, read
// straight from the snapshot's directories (the top one that has the file wins, as overlayfs shows it).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LbError } from '@lastbackend/sdk';
import { numericUser } from './oci-spec';
import type { SnapshotMount } from './unpack';

/** The directories of a snapshot, topmost first (overlay: upperdir, then lowerdir in order; bind: its source). */
export function snapshotDirs(mounts: SnapshotMount[]): string[] {
  const dirs: string[] = [];
  for (const m of mounts) {
    if (m.type === 'bind') dirs.push(m.source);
    if (m.type !== 'overlay') continue;
    for (const o of m.options) if (o.startsWith('upperdir=')) dirs.push(o.slice('upperdir='.length));
    for (const o of m.options) if (o.startsWith('lowerdir=')) dirs.push(...o.slice('lowerdir='.length).split(':'));
  }
  return dirs;
}

async function readTop(dirs: string[], file: string): Promise<string | undefined> {
  for (const d of dirs) {
    try {
      return await readFile(join(d, file), 'utf8');
    } catch {
      // not in this layer
    }
  }
  return undefined;
}

/** An entry "name:x:id:..." of passwd or group by name or number; [name, id, primary gid (passwd)]. */
function lookup(text: string | undefined, key: string): string[] | undefined {
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && (f[0] === key || f[2] === key)) return f;
  }
  return undefined;
}

/** "uid", "uid:gid", "name", "name:group" (and mixes) as numbers; names must be in the image. */
export async function resolveUser(user: string, mounts: SnapshotMount[]): Promise<{ uid: number; gid: number }> {
  const numeric = numericUser(user);
  if (numeric) return numeric;
  const [who, group] = user.split(':');
  const dirs = snapshotDirs(mounts);
  const passwd = await readTop(dirs, 'etc/passwd');
  const entry = lookup(passwd, who);
  let uid: number;
  let gid = 0;
  if (/^\d+$/.test(who)) {
    uid = Number(who);
    if (entry) gid = Number(entry[3]) || 0;
  } else {
    if (!entry) throw new LbError('INVALID_ARGUMENT', `security.user: no user "${who}" in the image's /etc/passwd`);
    uid = Number(entry[2]);
    gid = Number(entry[3]) || 0;
  }
  if (group !== undefined) {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const g = lookup(await readTop(dirs, 'etc/group'), group);
      if (!g) throw new LbError('INVALID_ARGUMENT', `security.user: no group "${group}" in the image's /etc/group`);
      gid = Number(g[2]);
    }
  }
  return { uid, gid };
}
