import type { ContainerEvent, ContainerRuntime, ContainerSpec, ContainerStatus } from '@lastbackend/sdk';
import { RuntimeSet } from './runtime-set';

/** An in-memory runtime: enough of the CRI contract to check the set's routing. */
function fakeRuntime(name: string) {
  const containers = new Map<string, ContainerStatus>();
  const calls: string[] = [];
  let emit: ((e: ContainerEvent) => void) | undefined;
  const rt = {
    capabilities: { exec: true, logsFollow: true, events: true, networkNone: true },
    info: () => ({ name, version: '1', api: ['1'] }),
    probe: async () => ({ state: 'ready' as const }),
    dispose: async () => undefined,
    create: async (spec: ContainerSpec) => {
      calls.push(`create ${spec.name}`);
      const s: ContainerStatus = { id: `${name}-${spec.name}`, name: spec.name, image: spec.image, labels: spec.labels, state: 'created' };
      containers.set(s.id, s);
      return s;
    },
    start: async (id: string) => void calls.push(`start ${id}`),
    stop: async (id: string) => void calls.push(`stop ${id}`),
    remove: async (id: string) => {
      calls.push(`remove ${id}`);
      for (const [k, c] of containers) if (c.id === id || c.name === id) containers.delete(k);
    },
    inspect: async (id: string) => [...containers.values()].find((c) => c.id === id || c.name === id) ?? null,
    list: async () => [...containers.values()],
    logs: async function* () {},
    exec: async (id: string) => ({ exitCode: 0, stdout: name, stderr: id }),
    wait: async () => 0,
    events: async function* (_f: unknown, signal: AbortSignal) {
      const queue: ContainerEvent[] = [];
      let wake: (() => void) | undefined;
      emit = (e) => (queue.push(e), wake?.());
      signal.addEventListener('abort', () => wake?.());
      while (!signal.aborted) {
        if (queue.length) yield queue.shift()!;
        else await new Promise<void>((r) => (wake = r));
      }
    },
  };
  return { rt: rt as ContainerRuntime, calls, containers, emit: (e: ContainerEvent) => emit?.(e) };
}

const spec = (name: string): ContainerSpec => ({ name, image: 'i', env: {}, labels: {}, network: { mode: 'default' }, resources: {}, mounts: [] });

describe('RuntimeSet', () => {
  it('creates new containers on the active runtime and keeps old ones where they are', async () => {
    const active = fakeRuntime('new');
    const old = fakeRuntime('old');
    const before = await old.rt.create(spec('web-1'));
    const set = new RuntimeSet(active.rt, [old.rt], new AbortController().signal);

    await expect(set.create(spec('web-1'))).resolves.toEqual(before); // idempotent by name across runtimes
    const fresh = await set.create(spec('web-2'));
    expect(fresh.id).toBe('new-web-2');
    expect(active.calls).toEqual(['create web-2']);

    await set.start('web-1');
    await set.stop(before.id);
    await expect(set.exec('web-1', ['x'])).resolves.toMatchObject({ stdout: 'old' });
    await set.start(fresh.id);
    expect(old.calls).toEqual(['create web-1', 'start web-1', `stop ${before.id}`]);
    expect(active.calls).toEqual(['create web-2', 'start new-web-2']);
    expect((await set.list()).map((c) => c.id).sort()).toEqual(['new-web-2', 'old-web-1']);

    await set.remove('web-1');
    await expect(set.inspect('web-1')).resolves.toBeNull();
    // Recreated after removal: now on the active runtime.
    await expect(set.create(spec('web-1'))).resolves.toMatchObject({ id: 'new-web-1' });
    await set.remove('gone'); // idempotent: the active runtime is asked
    expect(active.calls).toContain('remove gone');
  });

  it('merges the events of every runtime and ends when the set changes', async () => {
    const active = fakeRuntime('new');
    const old = fakeRuntime('old');
    const generation = new AbortController();
    const set = new RuntimeSet(active.rt, [old.rt], generation.signal);
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of set.events({}, new AbortController().signal)) seen.push(e.id);
    })();
    await new Promise((r) => setTimeout(r, 10));
    old.emit({ id: 'a', action: 'die', labels: {}, time: 1 });
    active.emit({ id: 'b', action: 'start', labels: {}, time: 2 });
    await new Promise((r) => setTimeout(r, 10));
    generation.abort();
    await done;
    expect(seen.sort()).toEqual(['a', 'b']);
  });
});
