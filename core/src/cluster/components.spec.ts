import type { Node, PluginState } from '@lastbackend/sdk';
import { componentOf, componentsOf } from './components';

const node = (name: string, plugins: PluginState[] | undefined, online = true): Node =>
  ({
    kind: 'Node',
    version: 'v1',
    meta: { name, labels: { zone: 'a' }, uid: name, created: '2026-01-01T00:00:00.000Z', updated: '2026-01-02T00:00:00.000Z', revision: 1 },
    spec: { unschedulable: false },
    status: { state: online ? 'ready' : 'offline', online, version: '1.2.3', heartbeat: '2026-01-03T00:00:00.000Z', ...(plugins ? { plugins } : {}) },
  }) as unknown as Node;

const dns = (state: PluginState['state'], message = ''): PluginState => ({ capability: 'discovery', package: 'dns-pkg', state, message });

describe('components (the original ingress and discovery views)', () => {
  it('lists the nodes that report the plugin, leaving out disabled ones and agents without plugins; an offline node is not ready', () => {
    const list = componentsOf('discovery', [node('a', [dns('ready')]), node('b', [dns('disabled')]), node('c', undefined), node('d', [dns('ready')], false), node('e', [dns('not-ready', 'no address yet')])]);
    expect(Object.keys(list)).toEqual(['a', 'd', 'e']);
    expect(list.a).toEqual({
      meta: { name: 'a', description: '', self_link: 'a', labels: { zone: 'a' }, created: '2026-01-01T00:00:00.000Z', updated: '2026-01-03T00:00:00.000Z', version: '1.2.3', node: 'a', package: 'dns-pkg' },
      status: { ready: true, state: 'ready', message: '' },
    });
    expect(list.d.status).toEqual({ ready: false, state: 'offline', message: 'node "d" is offline' });
    expect(list.e.status).toEqual({ ready: false, state: 'not-ready', message: 'no address yet' });
  });

  it("lists this server's own ingress under the server's name", () => {
    const own = [{ kind: 'ingress' as const, server: 's1@https://10.0.0.1:2967', package: 'haproxy-pkg', version: '0.1.0', since: '2026-01-04T00:00:00.000Z' }];
    const list = componentsOf('ingress', [node('a', [dns('ready')])], own);
    expect(list).toEqual({
      s1: {
        meta: { name: 's1', description: '', self_link: 's1', labels: {}, created: '2026-01-04T00:00:00.000Z', updated: '2026-01-04T00:00:00.000Z', version: '0.1.0', server: 's1@https://10.0.0.1:2967', package: 'haproxy-pkg' },
        status: { ready: true, state: 'ready', message: '' },
      },
    });
    expect(componentsOf('discovery', [], own)).toEqual({});
    expect(() => componentOf('ingress', [], 'nope', own)).toThrow(/ingress "nope" not found/);
  });
});
