// Merging of several async streams of timestamped items (log lines of many containers).

export interface Source<T, U> {
  next: () => Promise<IteratorResult<T>>;
  map: (t: T) => U;
}

/**
 * Merges log streams. Without follow: all lines, sorted by time. With follow: lines as they arrive.
 */
export async function* mergeByTime<T extends { time: string }, U extends { time: string }>(sources: Source<T, U>[], follow: boolean): AsyncGenerator<U> {
  if (!follow) {
    const all: U[] = [];
    await Promise.all(
      sources.map(async (s) => {
        for (let r = await s.next(); !r.done; r = await s.next()) all.push(s.map(r.value));
      }),
    );
    all.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    yield* all;
    return;
  }
  const inflight = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const pull = (i: number) => inflight.set(i, sources[i].next().then((r) => ({ i, r })));
  sources.forEach((_, i) => pull(i));
  while (inflight.size) {
    const { i, r } = await Promise.race(inflight.values());
    inflight.delete(i);
    if (r.done) continue;
    yield sources[i].map(r.value);
    pull(i);
  }
}
