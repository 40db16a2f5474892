// A live list: the objects of a list route, kept current over Server-Sent Events (GET <list>?watch=true
// with a watch ticket, since an EventSource cannot send the bearer token). The server sends the current
// items as ADDED, SYNCED {revision}, then every change; after a dropped connection the watch asks a new
// ticket and resumes from the last SYNCED revision (a change seen twice only sets the same object
// again); RESYNC (the server no longer keeps that revision) starts over from the current items.
import { call } from './api';

export interface WatchedObject {
  meta: { name: string; namespace?: string };
}

interface WireEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNCED' | 'RESYNC';
  revision: number;
  object?: unknown;
}

export interface LiveState<T> {
  items: ReadonlyMap<string, T>;
  /** The first SYNCED arrived: items is the whole list. */
  synced: boolean;
  /** The connection is down and being re-opened. */
  down: boolean;
  /** Why the watch cannot go on (a refusal: the server's message). */
  error?: string;
}

const RETRY_MS = [500, 1000, 2000, 5000];

/** Watches path until the returned function is called; onChange gets a fresh state on every change. */
export function watchList<T extends WatchedObject>(path: string, onChange: (s: LiveState<T>) => void): () => void {
  const items = new Map<string, T>();
  let revision: number | undefined;
  let synced = false;
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let failures = 0;
  let batch: ReturnType<typeof setTimeout> | undefined;
  const emit = (down: boolean, error?: string) => {
    clearTimeout(batch);
    batch = undefined;
    onChange({ items: new Map(items), synced, down, ...(error ? { error } : {}) });
  };
  // Changes that come in a burst (a rollout of many pods) make one copy of the list and one render.
  const emitSoon = () => (batch ??= setTimeout(() => emit(false), 50));
  const key = (o: T) => `${o.meta.namespace ?? ''}/${o.meta.name}`;

  const retry = () => {
    source?.close();
    source = undefined;
    if (stopped) return;
    emit(true);
    timer = setTimeout(open, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]);
  };

  const onEvent = (e: WireEvent) => {
    switch (e.type) {
      case 'ADDED':
      case 'MODIFIED':
        items.set(key(e.object as T), e.object as T);
        break;
      case 'DELETED':
        items.delete(key(e.object as T));
        break;
      case 'SYNCED':
        revision = e.revision;
        synced = true;
        failures = 0;
        emit(false);
        return;
      case 'RESYNC':
        // Start over: the current items replace what is held.
        items.clear();
        revision = undefined;
        synced = false;
        retry();
        return;
    }
    if (synced) emitSoon();
  };

  async function open(): Promise<void> {
    let ticket: string;
    try {
      ({ ticket } = await call<{ ticket: string }>('POST', '/watch/ticket', { path }));
    } catch (e) {
      const status = (e as { status?: number }).status;
      // A refusal will not change by asking again; anything else (server down) is retried.
      if (status === 401 || status === 403 || status === 404) return emit(false, (e as Error).message);
      return retry();
    }
    if (stopped) return;
    const q = new URLSearchParams({ watch: 'true', ticket });
    if (revision !== undefined) q.set('revision', String(revision));
    const es = new EventSource(`${path}?${q}`);
    source = es;
    es.onmessage = (m: MessageEvent<string>) => onEvent(JSON.parse(m.data) as WireEvent);
    // EventSource would reconnect with the same (used) ticket: close it and open anew with a new one.
    es.onerror = () => {
      if (source === es) retry();
    };
  }

  void open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(batch);
    source?.close();
  };
}
