// Swap by config: when the config file changes, every kind whose driver entry in the file changed is
// swapped hot (a swap made through the API holds until then).
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { DRIVER_KINDS } from '@lastbackend/sdk';
import { loadConfig, type KernelConfig } from '../config/config';
import { stableStringify } from '../state/hash';
import type { Kernel } from './kernel';
import type { Logger } from './logger';

export function watchDriverConfig(cfg: KernelConfig, kernel: Kernel, log: Logger): () => Promise<void> {
  const file = cfg.configFile!;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const entry = (d: { package: string; config?: Record<string, unknown>; isolation?: string } | null | undefined) =>
    stableStringify({ p: d?.package, c: d?.config ?? {}, i: d?.isolation ?? 'in-process' });
  const load = () => loadConfig({ file, flags: { dataDir: cfg.data_dir, listen: cfg.listen, name: cfg.node.name } });
  let inFile: KernelConfig['drivers'] | undefined;
  try {
    inFile = load().drivers;
  } catch {
    inFile = undefined; // the process started with it, so it was valid; it changed since
  }
  const apply = async () => {
    let next: KernelConfig;
    try {
      next = load();
    } catch (e) {
      log.error(`config ${file} changed but is invalid; drivers stay as they are: ${(e as Error).message}`);
      return;
    }
    const before = inFile;
    inFile = next.drivers;
    for (const kind of DRIVER_KINDS) {
      const want = next.drivers[kind];
      if (!want || entry(want) === entry(before?.[kind])) continue;
      try {
        await kernel.swap(kind, want, 'config');
      } catch (e) {
        log.error((e as Error).message);
      }
    }
  };
  // Editors replace files; watching the file and debouncing covers both writes and renames.
  const watcher = watch(dirname(file), (_event, name) => {
    if (name !== basename(file)) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => (running = running.then(apply, apply)), 300);
  });
  return async () => {
    watcher.close();
    if (timer) clearTimeout(timer);
    await running;
  };
}
