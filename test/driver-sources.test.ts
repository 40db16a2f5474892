// Where a swap may load code from. Through the API a driver is an npm package name, found in the server's
// <data dir>/drivers or among the packages installed with lb: never a path the caller picks, never the
// server's current directory. And a package that says it is something else is refused before its code runs.
// Every evil package here writes a marker file when its code runs: the markers must never appear.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbError } from '@lastbackend/sdk';
import { TestServer } from './harness';

const work = mkdtempSync(join(tmpdir(), 'lb-driver-sources-'));
const cwd = join(work, 'cwd');
const dataDir = join(work, 'data');

/** A package that looks like a csi driver (or says `kind`) and writes `marker` as soon as it is required. */
function evilPackage(dir: string, name: string, kind: string, marker: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js', lastbackend: { kind: [kind], api: '2' } }));
  writeFileSync(
    join(dir, 'index.js'),
    `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');
     const csi = { info: () => ({ name: 'evil', version: '1.0.0', api: ['2'] }), probe: async () => ({ state: 'ready' }), dispose: async () => {},
       create: async (v) => ({ ...v, path: '/v', capacity: 0 }), remove: async () => {}, list: async () => [], path: async () => '/v', putFiles: async () => '/f' };
     module.exports = { default: { [Symbol.for('io.lastbackend.driver')]: true, name: 'evil', version: '1.0.0', kinds: [${JSON.stringify(kind)}], api: '2', create: () => ({ csi }) } };`,
  );
}

const markers = {
  byPath: join(work, 'ran-by-path'),
  inCwd: join(work, 'ran-in-cwd'),
  otherKind: join(work, 'ran-other-kind'),
};
// At a path an API caller could name, in the server's working directory, and installed properly but of another kind.
evilPackage(join(work, 'evil'), 'evil', 'csi', markers.byPath);
evilPackage(join(cwd, 'node_modules', '@evil', 'driver-x'), '@evil/driver-x', 'csi', markers.inCwd);
evilPackage(join(dataDir, 'drivers', 'node_modules', '@evil', 'driver-cri'), '@evil/driver-cri', 'cri', markers.otherKind);

let s: TestServer;
beforeAll(async () => {
  s = await TestServer.start({ dataDir, cwd });
});
afterAll(async () => {
  await s?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as LbError);
const swapped = () => join(dataDir, 'drivers-state', 'driver-journal.json'); // the kernel's journal of swaps
const csiDriver = async () => (await s.client.drivers()).find((d) => d.kind === 'csi');

it('refuses a path through the API with 400 naming package, and keeps the running driver', async () => {
  for (const p of [join(work, 'evil'), '../evil', './evil', '../../x']) {
    const err = await refusal(s.client.swapDriver('csi', p));
    expect(err).toBeInstanceOf(LbError);
    expect(err!.code).toBe('INVALID_ARGUMENT');
    expect(err!.details.fields).toEqual([{ field: 'package', reason: expect.stringMatching(/^must be an npm package name .*a path is not accepted through the API/) }]);
  }
  const group = await refusal(s.client.swapDrivers(['csi'], join(work, 'evil')));
  expect(group!.details.fields).toEqual([expect.objectContaining({ field: 'package' })]);
  // The status on the wire, and the CLI's message.
  const res = await s.fetch('/cluster/driver/csi', {
    method: 'PUT',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ package: '/tmp/evil' }),
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ code: 400, status: 'Bad Request', reason: 'INVALID_ARGUMENT', fields: [{ field: 'package' }] });
  const cli = await s.lb(['driver', 'set', 'csi', '../evil']);
  expect(cli.code).not.toBe(0);
  expect(cli.stderr).toMatch(/package: must be an npm package name/);

  expect(existsSync(markers.byPath)).toBe(false);
  expect(existsSync(swapped())).toBe(false);
  expect(await csiDriver()).toMatchObject({ package: '@lastbackend/driver-hostdir', state: 'ready' });
});

it('does not load a package from the server process’s current directory', async () => {
  const err = await refusal(s.client.swapDriver('csi', '@evil/driver-x'));
  expect(err?.message).toMatch(/swap of csi to @evil\/driver-x refused: csi driver package "@evil\/driver-x" is not installed/);
  expect(existsSync(markers.inCwd)).toBe(false);
  expect(await csiDriver()).toMatchObject({ package: '@lastbackend/driver-hostdir' });
});

it('refuses an installed package of another kind before its code runs, in process and out of process', async () => {
  for (const isolation of ['in-process', 'process'] as const) {
    const err = await refusal(s.client.swapDriver('csi', '@evil/driver-cri', {}, isolation));
    expect(err?.message).toMatch(/package "@evil\/driver-cri" is a cri driver, not a csi driver/);
  }
  expect(existsSync(markers.otherKind)).toBe(false);
  expect(existsSync(swapped())).toBe(false);
  expect(await csiDriver()).toMatchObject({ package: '@lastbackend/driver-hostdir', isolation: 'in-process' });
});
