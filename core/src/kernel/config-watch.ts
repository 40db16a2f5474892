// Swap by config: when the config file changes, the kinds whose driver entry in the file changed are
// swapped hot, together: through the kernel's all-or-none group swap, each with its fallback (a swap made
// through the API holds until then). A refused swap leaves every kind as it was.
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { DRIVER_KINDS } from '@lastbackend/sdk';
import { loadConfig, type KernelConfig } from '../config/config';
import { stableStringify } from '../state/hash';
import type { Kernel, SwapChange } from './kernel';
import type { Logger } from './logger';

export function watchDriverConfig(cfg: KernelConfig, kernel: Kernel, log: Logger): () => Promise<void> {
  const file = cfg.configFile!;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const entry = (d: { package: string; config?: Record<string, unknown>; isolation?: string; fallback?: unknown } | null | undefined) =>
    stableStringify({ p: d?.package, c: d?.config ?? {}, i: d?.isolation ?? 'in-process', f: d?.fallback ?? null });
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
    const changes: SwapChange[] = [];
    for (const kind of DRIVER_KINDS) {
      const want = next.drivers[kind];
      if (want && entry(want) !== entry(before?.[kind])) changes.push({ kind, ref: want });
    }
    if (!changes.length) {
      inFile = next.drivers;
      return;
    }
    try {
      await kernel.swapGroup(changes, 'config');
      inFile = next.drivers;
    } catch (e) {
      // Nothing changed: the same edit is tried again with the next change of the file.
      log.error(`config ${file} changed drivers.${changes.map((c) => c.kind).join(',')}; none was swapped: ${(e as Error).message}`);
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
