// useLive: a Preact hook over watchList, for a page that shows a live list. Components that watch the same
// path share one watch: a browser holds six connections to a server over HTTP/1.1, and a service page with
// its actions' rollout progress would otherwise need more.
import { useEffect, useState } from 'preact/hooks';
import { watchList, type LiveState, type WatchedObject } from './watch';

const empty = <T,>(): LiveState<T> => ({ items: new Map<string, T>(), synced: false, down: false });

interface Shared {
  state: LiveState<WatchedObject>;
  listeners: Set<(s: LiveState<WatchedObject>) => void>;
  stop: () => void;
}

const shared = new Map<string, Shared>();

/** Follows `path`'s list: the watch opens with the first listener and closes with the last. */
function subscribe<T extends WatchedObject>(path: string, listener: (s: LiveState<T>) => void): () => void {
  const l = listener as (s: LiveState<WatchedObject>) => void;
  let w = shared.get(path);
  if (!w) {
    const entry: Shared = { state: empty(), listeners: new Set(), stop: () => undefined };
    shared.set(path, entry);
    entry.stop = watchList<WatchedObject>(path, (s) => {
      entry.state = s;
      for (const f of entry.listeners) f(s);
    });
    w = entry;
  }
  w.listeners.add(l);
  l(w.state);
  return () => {
    const e = shared.get(path);
    if (!e) return;
    e.listeners.delete(l);
    if (e.listeners.size) return;
    shared.delete(path);
    e.stop();
  };
}

export function useLive<T extends WatchedObject>(path: string | undefined): LiveState<T> {
  const [state, setState] = useState<LiveState<T>>(empty);
  useEffect(() => {
    setState(empty<T>());
    return path === undefined ? undefined : subscribe<T>(path, setState);
  }, [path]);
  return state;
}
