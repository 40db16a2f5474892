import type { Pod } from '@lastbackend/sdk';
import { pickReadyPod } from './exec';

const pod = (name: string, state: string, opts: { deployment?: string; created?: string; destroy?: boolean } = {}) =>
  ({
    meta: { name, deployment: opts.deployment ?? 'v1', created: opts.created ?? '2024-05-01T12:00:00Z' },
    spec: { destroy: !!opts.destroy },
    status: { state },
  }) as unknown as Pod;

describe('lb exec SERVICE: the pod it picks', () => {
  it('a ready pod, never one that is starting, failing or going away', () => {
    expect(pickReadyPod([pod('a', 'pending'), pod('b', 'not-ready'), pod('c', 'ready', { destroy: true }), pod('d', 'ready')])?.meta.name).toBe('d');
    expect(pickReadyPod([pod('a', 'pending'), pod('b', 'error')])).toBeUndefined();
    expect(pickReadyPod([])).toBeUndefined();
  });

  it('of the serving deployment first, then the oldest, then by name: the same pod each time', () => {
    const pods = [
      pod('new-2', 'ready', { deployment: 'v2', created: '2024-05-01T12:05:00Z' }),
      pod('old-1', 'ready', { deployment: 'v1', created: '2024-05-01T11:00:00Z' }),
      pod('new-1', 'ready', { deployment: 'v2', created: '2024-05-01T12:01:00Z' }),
      pod('new-0', 'ready', { deployment: 'v2', created: '2024-05-01T12:01:00Z' }),
    ];
    expect(pickReadyPod(pods, 'v2')?.meta.name).toBe('new-0');
    expect(pickReadyPod(pods, 'v1')?.meta.name).toBe('old-1');
    expect(pickReadyPod(pods)?.meta.name).toBe('old-1');
  });
});
