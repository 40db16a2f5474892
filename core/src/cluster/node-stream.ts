// What a node's agent must run, pushed as it changes: a snapshot of the node's pods and then every
// change, the overlay map and the service table (each sent whole when it changes), and the volumes
// of the node that were deleted. Transport-free: the API exposes it as NDJSON over HTTP.
import type { NodeStreamEvent, Pod, Volume } from '@lastbackend/sdk';
import { serialRefresh } from '../api/serial-refresh';
import { PREFIX } from '../store/keys';
import type { Store, StoreEvent } from '../store/store';
import type { ClusterState } from './cluster';

const KEEPALIVE_MS = 15_000;
/** A burst of endpoint changes (a rollout, many pods getting ready) goes out as one table. */
const TABLE_COALESCE_MS = 100;

/** Where a stream's events go. */
export interface NodeStreamSink {
  send(ev: NodeStreamEvent): void;
  /** Nothing changed for a while: tell the receiver the stream is alive. */
  keepalive(): void;
  /** The stream broke (a read failed): the receiver reconnects and starts over from a snapshot. */
  fail(e: Error): void;
  /** The receiver is gone: late reads send nothing. */
  readonly closed: boolean;
}

export interface OpenNodeStream {
  /** Reads the snapshot and sends it, then the maps; rejects when the snapshot cannot be read. */
  readonly started: Promise<void>;
  /** Stops every watch and timer (the receiver went away). */
  close(): void;
}

export class NodeStreams {
  constructor(
    private readonly store: Store,
    private readonly cluster: ClusterState,
  ) {}

  open(node: string, sink: NodeStreamSink): OpenNodeStream {
    const { store, cluster } = this;
    let buffered: StoreEvent[] | undefined = [];
    const onPod = (ev: StoreEvent) => {
      const pod = ev.value as Pod | undefined;
      const prev = ev.prev as Pod | undefined;
      if (pod && pod.meta.node === node) sink.send({ type: 'upsert', pod, revision: ev.revision });
      else if (prev && prev.meta.node === node) sink.send({ type: 'delete', namespace: prev.meta.namespace, name: prev.meta.name, revision: ev.revision });
    };
    // Subscribe before reading the snapshot, so nothing between the two is missed.
    const unwatch = [store.watch(PREFIX.pods, (ev) => (buffered ? buffered.push(ev) : onPod(ev)))];
    // The overlay map goes out whole whenever a node's subnet or address changes, or a node comes or goes.
    // Both maps are sent by serial refreshes: an older read never goes out after a newer one.
    const fail = (e: Error) => sink.fail(e);
    let lastMap = '';
    const sendMap = serialRefresh(async () => {
      const nodes = await cluster.networkMap();
      const text = JSON.stringify(nodes);
      if (text === lastMap || sink.closed) return;
      lastMap = text;
      sink.send({ type: 'network', nodes, revision: store.revision });
    }, fail);
    unwatch.push(store.watch(PREFIX.nodes, () => void sendMap()));
    unwatch.push(
      store.watch(PREFIX.volumes, (ev) => {
        const v = ev.prev as Volume | undefined;
        if (ev.type === 'del' && v?.status.node === node) sink.send({ type: 'volume-deleted', namespace: v.meta.namespace, name: v.meta.name, revision: ev.revision });
      }),
    );
    // The service table goes out whole too, coalescing bursts of endpoint changes.
    let lastTable = '';
    let pending: NodeJS.Timeout | undefined;
    const sendTable = serialRefresh(async () => {
      const table = await cluster.serviceTable();
      const text = JSON.stringify(table);
      if (text === lastTable || sink.closed) return;
      lastTable = text;
      sink.send({ type: 'services', table, revision: store.revision });
    }, fail);
    const onServiceChange = () =>
      (pending ??= setTimeout(() => {
        pending = undefined;
        void sendTable();
      }, TABLE_COALESCE_MS));
    unwatch.push(store.watch(PREFIX.services, onServiceChange), store.watch(PREFIX.endpoints, onServiceChange));
    const keepalive = setInterval(() => sink.keepalive(), KEEPALIVE_MS);
    const close = () => {
      for (const u of unwatch) u();
      if (pending) clearTimeout(pending);
      clearInterval(keepalive);
    };
    const started = (async () => {
      const revision = store.revision;
      const pods = (await store.list<Pod>(PREFIX.pods)).filter((p) => p.meta.node === node);
      sink.send({ type: 'snapshot', pods, revision });
      for (const ev of buffered) if (ev.revision > revision) onPod(ev);
      buffered = undefined;
      await sendMap();
      await sendTable();
    })();
    return { started, close };
  }
}
