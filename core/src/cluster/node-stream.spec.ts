// The node stream without HTTP: a snapshot of the node's own pods, then its changes, the overlay map
// and the service table, and nothing after close().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeStreamEvent, Pod } from '@lastbackend/sdk';
import { keys } from '../store/keys';
import { Store } from '../store/store';
import { ClusterState } from './cluster';
import { lineOf, NodeStreams } from './node-stream';

const pod = (name: string, node: string) => ({ kind: 'Pod', meta: { name, namespace: 'ns', node, service: 's', deployment: 'v1' }, spec: {}, status: {} }) as unknown as Pod;
const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('NodeStreams', () => {
  let dir: string;
  let store: Store;
  let streams: NodeStreams;
  const put = (name: string, node: string) => store.txn(async (tx) => tx.put(keys.pod('ns', name), pod(name, node)));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-stream-'));
    store = new Store(dir);
    await store.open();
    streams = new NodeStreams(store, new ClusterState(store, 'test'));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends the node's pods, then their changes, and stops at close", async () => {
    await put('a', 'n1');
    await put('b', 'n2');
    const got: NodeStreamEvent[] = [];
    const s = streams.open('n1', { send: (ev) => got.push(ev), keepalive: () => undefined, fail: (e) => fail(e), closed: false });
    await s.started;
    expect(got.map((e) => e.type)).toEqual(['snapshot', 'network', 'services']);
    expect((got[0] as { pods: Pod[] }).pods.map((p) => p.meta.name)).toEqual(['a']);
    await put('c', 'n1');
    await put('d', 'n2');
    await store.txn(async (tx) => tx.del(keys.pod('ns', 'a')));
    await until(() => got.length >= 5);
    expect(got.slice(3)).toMatchObject([{ type: 'upsert', pod: { meta: { name: 'c' } } }, { type: 'delete', name: 'a' }]);
    s.close();
    await put('e', 'n1');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toHaveLength(5);
  });

  it('writes an upsert line with the pod as the store wrote it, the same JSON as the event', async () => {
    const lines: string[] = [];
    const events: NodeStreamEvent[] = [];
    const s = streams.open('n1', { send: (ev) => (events.push(ev), lines.push(lineOf(ev))), keepalive: () => undefined, fail: (e) => fail(e), closed: false });
    await s.started;
    await put('c', 'n1');
    await until(() => lines.length >= 4);
    const stored = await store.get<Pod>(keys.pod('ns', 'c'));
    expect(lines[3]).toBe(JSON.stringify(events[3]));
    expect(JSON.parse(lines[3])).toEqual({ type: 'upsert', pod: stored, revision: stored!.meta.revision });
    // A pod the store did not hand over (no stored text): stringified.
    const other = pod('x', 'n1');
    expect(lineOf({ type: 'upsert', pod: other, revision: 7 })).toBe(JSON.stringify({ type: 'upsert', pod: other, revision: 7 }));
    s.close();
  });
});
