// Gives memory back once a long-running process goes quiet. V8 lets the heap grow under a burst of work
// (10,000 pods converging) and collects it only when more allocation asks for it, which a quiet server
// does too little of: the garbage of the burst stays resident. One full collection when the event loop
// has been nearly idle for a whole interval and the heap has grown since the last one here returns most
// of it (global.gc: lb.js's launcher starts the server and the agent with --expose-gc; without it,
// nothing runs). That collection compacts the whole old generation: V8's own choice of pages to move
// leaves most of them in place after a burst (committed 154 MB for 67 MB live with 10,000 pods' state;
// compacted, 103 MB). V8 keeps its young generation at the size the burst grew it to, collected or not.
// After the collection, malloc's free pages go back too (malloc-trim.ts: ~14 MB at 10,000 pods' state).
import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { mallocTrim } from './malloc-trim';

/** An interval with the event loop busy for at most this share of it is quiet. */
export const QUIET_UTILIZATION = 0.1;
/** Growth of the heap since the last collection here that is worth one (a full collection pauses ~50 ms at 200 MB). */
export const GROWTH_BYTES = 16 * 1024 * 1024;
/** A quiet interval this long: short enough to act within seconds of a burst's end. */
const EVERY_MS = 2_000;

export class IdleGc {
  /** The heap's size when this started, then after the last collection here. */
  private baseline: number;

  constructor(
    private readonly gc: () => void,
    /** Bytes V8 holds for the heap now. */
    private readonly heapSize: () => number,
    /** The share of the time since the last call that the event loop was busy (0–1). */
    private readonly utilization: () => number,
  ) {
    this.baseline = heapSize();
  }

  /** Collects when the interval just ended was quiet and the heap grew by GROWTH_BYTES; says whether it did. */
  check(): boolean {
    const busy = this.utilization();
    const size = this.heapSize();
    // V8 may have collected and shrunk the heap itself since: growth counts from there.
    this.baseline = Math.min(this.baseline, size);
    if (busy > QUIET_UTILIZATION || size - this.baseline < GROWTH_BYTES) return false;
    this.gc();
    this.baseline = this.heapSize();
    return true;
  }
}

/**
 * One full collection that moves every old-generation page's live objects together, so the pages they
 * leave are returned. The flag is read by that collection's choice of pages only, and is off again for
 * V8's own collections (compacting everything costs ~2× the pause: ~120 ms at 10,000 pods' state).
 */
export function compactingGc(gc: () => void): () => void {
  return () => {
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      gc();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  };
}

/** Checks every EVERY_MS while the process runs (the timer keeps nothing alive); returns the stop. */
export function startIdleGc(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return () => {};
  let last = performance.eventLoopUtilization();
  const collect = compactingGc(gc);
  const idle = new IdleGc(
    () => {
      collect();
      mallocTrim();
    },
    () => getHeapStatistics().total_heap_size,
    () => {
      const now = performance.eventLoopUtilization();
      const { utilization } = performance.eventLoopUtilization(now, last);
      last = now;
      return utilization;
    },
  );
  const timer = setInterval(() => idle.check(), EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
