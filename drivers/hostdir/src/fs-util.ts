// File system helpers shared by the volume and the publish code: real directories only, never through a symlink.
import type { Stats } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LbError } from '@lastbackend/sdk';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export const errno = (e: unknown): string | undefined => {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
};
export const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch (e) {
    if (errno(e) === 'ENOENT') return null;
    throw e;
  }
}

export const notADirectory = (p: string) =>
  new LbError('FAILED_PRECONDITION', `${p} is not a directory (a symlink or file is in its place); the driver does not follow it`, {
    fix: `remove ${p} by hand`,
  });

/** `<parent>/<name>` as a real directory (created 0700 when missing); parent must be a real directory. */
export async function ensureChildDir(parent: string, name: string): Promise<string> {
  const p = join(parent, name);
  let st = await lstatOrNull(p);
  if (!st) {
    try {
      await mkdir(p, { mode: DIR_MODE });
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw e;
    }
    st = await lstat(p);
  }
  if (!st.isDirectory()) throw notADirectory(p);
  return p;
}

/** Whether `p` is a real directory (false when missing); throws when something else is there. */
export async function isRealDir(p: string): Promise<boolean> {
  const st = await lstatOrNull(p);
  if (!st) return false;
  if (!st.isDirectory()) throw notADirectory(p);
  return true;
}
