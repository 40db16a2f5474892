// glibc's malloc_trim(0): gives the pages malloc holds free anywhere in its heaps back to the kernel, where
// free() returns only a heap's top. After a burst (10,000 pods converging) LevelDB's buffers, TLS records
// and Node's buffers leave free pages between live blocks: ~14 MB of a 50 MB main heap. The call is
// core/native/malloc-trim.c, which `npm run build` compiles where a C compiler is (core/native/build.sh);
// where it is not built, nothing is trimmed.
import { join } from 'node:path';

/** From src/util and dist/util alike. */
export const MALLOC_TRIM_ADDON = join(__dirname, '..', '..', 'native', 'build', 'malloc-trim.node');

let addon: { trim(): boolean } | null | undefined;

/** Trims malloc's heaps; says whether memory was returned, or undefined when the addon is not built. */
export function mallocTrim(): boolean | undefined {
  if (addon === undefined) {
    try {
      addon = require(MALLOC_TRIM_ADDON) as { trim(): boolean };
    } catch {
      addon = null;
    }
  }
  return addon?.trim();
}
