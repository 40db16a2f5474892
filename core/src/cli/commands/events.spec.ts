import type { LbEvent } from '@lastbackend/sdk';
import { eventQuery, eventsTable, formatEventLine } from './events';

const ev = (over: Partial<LbEvent> = {}): LbEvent => ({
  kind: 'Event',
  version: 'v1',
  meta: { name: 'web-1.abc', namespace: 'ns', revision: 3 },
  object: { kind: 'Pod', namespace: 'ns', name: 'web-1', service: 'web' },
  type: 'warning',
  reason: 'BackOff',
  message: 'back-off restarting container c: it exited with code 1',
  count: 4,
  first_seen: '2026-01-01T00:00:00.000Z',
  last_seen: '2026-01-01T00:01:00.000Z',
  component: 'agent/n1',
  ...over,
});

describe('lb events', () => {
  it('asks for a namespace (default: default), or the cluster with --cluster or --for node/NAME', () => {
    expect(eventQuery({})).toEqual({ namespace: 'default' });
    expect(eventQuery({ namespace: 'ns', for: 'service/web' })).toEqual({ namespace: 'ns', for: 'service/web' });
    expect(eventQuery({ cluster: true })).toEqual({});
    expect(eventQuery({ for: 'node/n1' })).toEqual({ for: 'node/n1' });
    expect(() => eventQuery({ cluster: true, namespace: 'ns' })).toThrow(/belong to no namespace/);
    expect(() => eventQuery({ cluster: true, for: 'pod/x' })).toThrow(/takes node\/NAME/);
  });

  it('prints a table, and a line per event when following', () => {
    const t = eventsTable([ev()], Date.parse('2026-01-01T00:01:30Z'));
    expect(t.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+COUNT\s+FROM\s+MESSAGE$/);
    expect(t.split('\n')[1]).toMatch(/^30s\s+warning\s+BackOff\s+pod\/web-1\s+4\s+agent\/n1\s+back-off restarting container c: it exited with code 1$/);
    expect(formatEventLine(ev())).toBe('2026-01-01T00:01:00.000Z  warning  BackOff  pod/web-1 (x4)  agent/n1  back-off restarting container c: it exited with code 1');
  });
});
