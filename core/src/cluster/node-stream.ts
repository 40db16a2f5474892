// What a node's agent must run, pushed as it changes: a snapshot of the node's pods and then every
// change, the overlay map and the service table (each sent whole when it changes), and the volumes
// of the node that were deleted. Transport-free: the API exposes it as NDJSON over HTTP.
import type { Node, NodeStreamEvent, Pod, Volume } from '@lastbackend/sdk';
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

/** JSON of shared objects (events, tables, maps), made once however many streams send or compare them. */
const texts = new WeakMap<object, string>();

const textOf = (o: object): string => {
  let text = texts.get(o);
  if (text === undefined) texts.set(o, (text = JSON.stringify(o)));
  return text;
};

/** Pods as the store wrote them (the text of their store event), so their lines need no JSON.stringify. */
const storedTexts = new WeakMap<Pod, string>();

/** The event as one NDJSON line (without the newline); an upsert's pod goes in as the text stored when known. */
export const lineOf = (ev: NodeStreamEvent): string => {
  if (ev.type === 'network' || ev.type === 'services') return textOf(ev);
  if (ev.type === 'upsert') return `{"type":"upsert","pod":${storedTexts.get(ev.pod) ?? JSON.stringify(ev.pod)},"revision":${ev.revision}}`;
  return JSON.stringify(ev);
};

/** What of a node the overlay map holds. */
const overlayPlace = (v: unknown): string => {
  const n = v as Node | undefined;
  return n ? `${n.meta.name} ${n.spec.network?.subnet ?? ''} ${n.status.addresses[0] ?? ''}` : '';
};

/** A stream's handlers for the changes that concern it (NodeStreams dispatches them). */
interface Subscriber {
  readonly node: string;
  pod(ev: StoreEvent): void;
  overlay(): void;
  volumeDeleted(v: Volume, revision: number): void;
  service(): void;
}

export class NodeStreams {
  constructor(
    private readonly store: Store,
    private readonly cluster: ClusterState,
  ) {}

  /**
   * The maps every stream sends, read once per store revision and shared (one event object, so one
   * line): a change reaches every node's stream at about the same time.
   */
  private network?: { revision: number; ev: Promise<NodeStreamEvent> };
  private table?: { revision: number; ev: Promise<NodeStreamEvent> };

  private networkEvent(): Promise<NodeStreamEvent> {
    const revision = this.store.revision;
    if (this.network?.revision !== revision) {
      const ev = this.cluster.networkMap().then((nodes): NodeStreamEvent => ({ type: 'network', nodes, revision }));
      this.network = { revision, ev };
      ev.catch(() => { if (this.network?.ev === ev) this.network = undefined; });
    }
    return this.network.ev;
  }

  private tableEvent(): Promise<NodeStreamEvent> {
    const revision = this.store.revision;
    if (this.table?.revision !== revision) {
      const ev = this.cluster.serviceTable().then((table): NodeStreamEvent => ({ type: 'services', table, revision }));
      this.table = { revision, ev };
      ev.catch(() => { if (this.table?.ev === ev) this.table = undefined; });
    }
    return this.table.ev;
  }

  /**
   * One watch per prefix for all the streams of this server, dispatching a pod's change to the streams of
   * its node only: a watch per stream made every change of the cluster call every stream (100 nodes, 20,000
   * pod changes: millions of calls).
   */
  private readonly streams = new Set<Subscriber>();
  private readonly byNode = new Map<string, Set<Subscriber>>();
  private unwatchShared: (() => void)[] = [];

  private subscribe(s: Subscriber): () => void {
    if (!this.streams.size) this.watchShared();
    this.streams.add(s);
    let mine = this.byNode.get(s.node);
    if (!mine) this.byNode.set(s.node, (mine = new Set()));
    mine.add(s);
    return () => {
      this.streams.delete(s);
      mine.delete(s);
      if (!mine.size && this.byNode.get(s.node) === mine) this.byNode.delete(s.node);
      if (!this.streams.size) for (const u of this.unwatchShared.splice(0)) u();
    };
  }

  private watchShared(): void {
    const { store } = this;
    const toNode = (node: string | undefined, fn: (s: Subscriber) => void) => {
      for (const s of (node && this.byNode.get(node)) || []) fn(s);
    };
    const toAll = (fn: (s: Subscriber) => void) => {
      for (const s of this.streams) fn(s);
    };
    this.unwatchShared = [
      store.watch(PREFIX.pods, (ev) => {
        const node = (ev.value as Pod | undefined)?.meta.node;
        const before = (ev.prev as Pod | undefined)?.meta.node;
        toNode(node, (s) => s.pod(ev));
        if (before !== node) toNode(before, (s) => s.pod(ev));
      }),
      // A heartbeat changes a node but not its place in the overlay: only a change of that sends the map.
      store.watch(PREFIX.nodes, (ev) => {
        if (overlayPlace(ev.value) !== overlayPlace(ev.prev)) toAll((s) => s.overlay());
      }),
      store.watch(PREFIX.volumes, (ev) => {
        const v = ev.prev as Volume | undefined;
        if (ev.type === 'del' && v) toNode(v.status.node, (s) => s.volumeDeleted(v, ev.revision));
      }),
      this.cluster.onTableChange(() => toAll((s) => s.service())),
    ];
  }

  open(node: string, sink: NodeStreamSink): OpenNodeStream {
    const { store } = this;
    let buffered: StoreEvent[] | undefined = [];
    const onPod = (ev: StoreEvent) => {
      const pod = ev.value as Pod | undefined;
      const prev = ev.prev as Pod | undefined;
      if (pod && pod.meta.node === node) {
        if (ev.text?.value !== undefined) storedTexts.set(pod, ev.text.value);
        sink.send({ type: 'upsert', pod, revision: ev.revision });
      } else if (prev && prev.meta.node === node) sink.send({ type: 'delete', namespace: prev.meta.namespace, name: prev.meta.name, revision: ev.revision });
    };
    // The overlay map goes out whole whenever a node's subnet or address changes, or a node comes or goes.
    // Both maps are sent by serial refreshes: an older read never goes out after a newer one.
    const fail = (e: Error) => sink.fail(e);
    let lastMap = '';
    const sendMap = serialRefresh(async () => {
      const ev = await this.networkEvent();
      const text = ev.type === 'network' ? textOf(ev.nodes) : '';
      if (text === lastMap || sink.closed) return;
      lastMap = text;
      sink.send(ev);
    }, fail);
    // The service table goes out whole too, coalescing bursts of endpoint changes.
    let lastTable = '';
    let pending: NodeJS.Timeout | undefined;
    const sendTable = serialRefresh(async () => {
      const ev = await this.tableEvent();
      const text = ev.type === 'services' ? textOf(ev.table) : '';
      if (text === lastTable || sink.closed) return;
      lastTable = text;
      sink.send(ev);
    }, fail);
    const onServiceChange = () =>
      (pending ??= setTimeout(() => {
        pending = undefined;
        void sendTable();
      }, TABLE_COALESCE_MS));
    // Subscribed before the snapshot is read, so nothing between the two is missed.
    const unsubscribe = this.subscribe({
      node,
      pod: (ev) => (buffered ? buffered.push(ev) : onPod(ev)),
      overlay: () => void sendMap(),
      volumeDeleted: (v, revision) => sink.send({ type: 'volume-deleted', namespace: v.meta.namespace, name: v.meta.name, revision }),
      service: onServiceChange,
    });
    const keepalive = setInterval(() => sink.keepalive(), KEEPALIVE_MS);
    const close = () => {
      unsubscribe();
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
