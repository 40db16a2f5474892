import { serviceRollout } from './rollout';
import type { PodWire, ServiceWire } from './models';

const template = { containers: [{ name: 'c', image: { name: 'lb-test/busybox:latest' } }] };
const service = (replicas: number, revision: number): ServiceWire => ({
  kind: 'Service',
  meta: { name: 'web', namespace: 'ns', revision },
  spec: { replicas, template },
  status: { state: 'ready', message: '', deployment: 'v1', generation: 1, replicas: { desired: replicas, ready: replicas } },
});
const pod = (i: number): PodWire => ({
  meta: { name: `web-v1-${i}`, namespace: 'ns', service: 'web', deployment: 'v1', node: 'n', created: '2026-01-01T00:00:00Z' },
  spec: { template, destroy: false },
  status: { state: 'ready', running: true, message: '', network: { host_ip: '', pod_ip: '' }, containers: [{ name: 'c', image: 'lb-test/busybox:latest', state: 'running', ready: true, restarts: 0, message: '' }] },
});

describe('serviceRollout', () => {
  const pods = [pod(1), pod(2), pod(3)];
  it('is done when every desired pod of the newest version is ready', () => {
    expect(serviceRollout('web', [service(3, 5)], pods)).toMatchObject({ desired: 3, updated: 3, ready: 3, done: true });
  });
  it('waits for the live list to reach the revision the action left the service at (a scale 3 → 1 seen before it arrives)', () => {
    expect(serviceRollout('web', [service(3, 5)], pods, 6)).toMatchObject({ done: false, note: 'waiting for the change to reach this page' });
    expect(serviceRollout('web', [service(1, 6)], pods, 6)).toMatchObject({ desired: 1, updated: 3, done: false });
    expect(serviceRollout('web', [service(1, 6)], [pod(1), { ...pod(2), spec: { template, destroy: true } }, { ...pod(3), spec: { template, destroy: true } }], 6)).toMatchObject({ desired: 1, updated: 1, ready: 1, done: true });
  });
});
