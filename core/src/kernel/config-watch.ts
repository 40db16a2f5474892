// Swap by config: when the config file changes, every kind whose driver entry changed is swapped hot.
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
  const apply = async () => {
    let next: KernelConfig;
    try {
      next = loadConfig({ file, flags: { dataDir: cfg.data_dir, listen: cfg.listen, name: cfg.node.name } });
    } catch (e) {
      log.error(`config ${file} changed but is invalid; drivers stay as they are: ${(e as Error).message}`);
      return;
    }
    for (const kind of DRIVER_KINDS) {
      const want = next.drivers[kind];
      if (!want || stableStringify({ p: want.package, c: want.config }) === stableStringify({ p: cfg.drivers[kind]?.package, c: cfg.drivers[kind]?.config ?? {} })) continue;
      try {
        await kernel.swap(kind, want);
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
