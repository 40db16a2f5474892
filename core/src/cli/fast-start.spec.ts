import { mkdtempSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE, bundledMain, firstCommand, NOT_BUNDLED } from './fast-start';
import { commandNamed } from './main';

describe('fast start', () => {
  it('finds the command as main.ts does', () => {
    const lines = [[], ['version'], ['--help'], ['help', 'server'], ['--server', 'https://x', 'run', 'a', 'b'], ['--token', 't', 'server'], ['--', 'agent'], ['-V'], ['get', 'pods', '--server', 'https://x'], ['--context=dev', 'agent']];
    for (const args of lines) expect(firstCommand(args)).toBe(commandNamed(args));
  });

  it('leaves the server, the agent, conformance and completion to dist/', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-fast-'));
    try {
      writeFileSync(join(dir, BUNDLE), 'exports.main = async () => 7;');
      for (const c of NOT_BUNDLED) expect(bundledMain(dir, [c])).toBeUndefined();
      expect(bundledMain(dir, ['help', 'server'])).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the bundle for a client command; none there, or older than the last tsc build: dist/', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lb-fast-'));
    const dir = join(root, 'core', 'dist', 'cli');
    mkdirSync(dir, { recursive: true });
    try {
      expect(bundledMain(dir, ['version'])).toBeUndefined();
      writeFileSync(join(dir, BUNDLE), 'exports.main = async (argv) => argv.length + (typeof require === "function" ? 10 : 0);');
      const main = bundledMain(dir, ['version']);
      expect(main && (await main(['node', 'lb', 'version']))).toBe(13);
      // core's build stamp newer than the bundle: stale, never run.
      writeFileSync(join(root, 'core', 'tsconfig.tsbuildinfo'), '{}');
      const later = new Date(Date.now() + 60_000);
      utimesSync(join(root, 'core', 'tsconfig.tsbuildinfo'), later, later);
      expect(bundledMain(dir, ['version'])).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
