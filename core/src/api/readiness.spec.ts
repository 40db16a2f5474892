import type { DriverState } from '@lastbackend/sdk';
import type { LeaderStatus } from '../ha/leader';
import { readiness, type ReadinessSources } from './readiness';

const leader: LeaderStatus = { backend: 'etcd', server: 's1', leader: true, leader_id: 's1' };
const driver = (state: DriverState['state'], message = ''): DriverState => ({ kind: 'cri', package: '@lastbackend/driver-docker', version: '1', state, message, isolation: 'in-process' }) as DriverState;
const ok: ReadinessSources = { readStore: async () => undefined, leader: async () => leader, drivers: async () => [driver('ready')] };

describe('readiness', () => {
  it('is ready when every check passes', async () => {
    expect(await readiness(ok)).toEqual({ status: 'ready', checks: [{ name: 'store', ok: true }, { name: 'leader', ok: true }, { name: 'drivers', ok: true }] });
  });

  it('names the failed check and why: a store that fails or does not answer in time', async () => {
    const failing = await readiness({ ...ok, readStore: async () => Promise.reject(new Error('etcd: connection refused')) });
    expect(failing.status).toBe('not ready');
    expect(failing.checks[0]).toEqual({ name: 'store', ok: false, message: 'etcd: connection refused' });
    const hanging = await readiness({ ...ok, readStore: () => new Promise(() => undefined) }, 50);
    expect(hanging.checks[0]).toEqual({ name: 'store', ok: false, message: 'the store did not answer within 0.05s' });
    expect(hanging.checks.slice(1).every((c) => c.ok)).toBe(true);
  });

  it('is not ready without a known leader, or with a driver that is not ready', async () => {
    const noLeader = await readiness({ ...ok, leader: async () => ({ ...leader, leader: false, leader_id: undefined }) });
    expect(noLeader.checks[1]).toMatchObject({ name: 'leader', ok: false, message: expect.stringContaining('no leader') });
    const badDriver = await readiness({ ...ok, drivers: async () => [driver('ready'), { ...driver('error', 'daemon down'), kind: 'cii' }] });
    expect(badDriver.status).toBe('not ready');
    expect(badDriver.checks[2]).toEqual({ name: 'drivers', ok: false, message: 'cii driver @lastbackend/driver-docker is error: daemon down' });
    // a control-plane-only server runs no drivers: nothing to wait for
    expect((await readiness({ ...ok, drivers: async () => [] })).status).toBe('ready');
  });
});
