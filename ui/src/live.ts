// useLive: a Preact hook over watchList, for a page that shows a live list.
import { useEffect, useState } from 'preact/hooks';
import { watchList, type LiveState, type WatchedObject } from './watch';

const empty = <T,>(): LiveState<T> => ({ items: new Map<string, T>(), synced: false, down: false });

export function useLive<T extends WatchedObject>(path: string | undefined): LiveState<T> {
  const [state, setState] = useState<LiveState<T>>(empty);
  useEffect(() => {
    setState(empty<T>());
    return path === undefined ? undefined : watchList<T>(path, setState);
  }, [path]);
  return state;
}
