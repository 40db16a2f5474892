import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { MALLOC_TRIM_ADDON } from './malloc-trim';

const MB = 1024 * 1024;

/**
 * In a node of its own: fills malloc's main heap with 2 KiB buffers, frees 15 of every 16 (free runs of
 * ~30 KiB between live blocks, which free() cannot return) and reads the heap's resident size before and
 * after calling the addon's trim (mode 'trim') or nothing ('none').
 */
function fragmentThenTrim(mode: 'trim' | 'none'): { freed: number; trimmed: number; returned: boolean | null } {
  const script = `
    const rss = () => require('node:fs').readFileSync('/proc/self/smaps', 'utf8').split(/\\n(?=[0-9a-f]+-)/)
      .filter((m) => m.split('\\n')[0].endsWith('[heap]')).reduce((s, m) => s + Number(/\\nRss:\\s+(\\d+)/.exec(m)[1]) * 1024, 0);
    let bufs = Array.from({ length: 20000 }, () => Buffer.allocUnsafeSlow(2048).fill(1));
    const full = rss();
    bufs = bufs.filter((_, i) => i % 16 === 0);
    // Freed once V8 has swept the dropped buffers (later on a busy machine): until their bytes are gone.
    let tries = 0;
    const settled = () => { gc(); return process.memoryUsage().arrayBuffers < 4 * 1024 * 1024 || ++tries > 50; };
    const wait = () => (settled() ? measure() : setTimeout(wait, 100));
    const measure = () => {
      const freed = rss();
      const returned = ${mode === 'trim' ? `require(${JSON.stringify(MALLOC_TRIM_ADDON)}).trim()` : 'null'};
      console.log(JSON.stringify({ full, freed, trimmed: rss(), returned, kept: bufs.length, unswept: process.memoryUsage().arrayBuffers }));
    };
    wait();`;
  const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' })) as { full: number; freed: number; trimmed: number; returned: boolean | null; unswept: number };
  expect(out.full).toBeGreaterThan(30 * MB); // the buffers were in the main heap
  expect(out.unswept).toBeLessThan(4 * MB); // and the dropped ones were freed
  return out;
}

describe('mallocTrim (core/native/malloc-trim.c)', () => {
  it('is built by npm run build (core/native/build.sh; CI has gcc)', () => {
    expect(existsSync(MALLOC_TRIM_ADDON)).toBe(true);
  });

  it('returns the free pages between live blocks, which free() keeps', () => {
    const trimmed = fragmentThenTrim('trim');
    expect(trimmed.returned).toBe(true);
    expect(trimmed.freed - trimmed.trimmed).toBeGreaterThan(20 * MB);
    // Without the call, the same pages stay resident.
    const kept = fragmentThenTrim('none');
    expect(kept.freed - kept.trimmed).toBeLessThan(2 * MB);
  });
});
