// The rolling step planner, property-style: over many seeded random runs (replicas, bounds, which new pods
// become ready and which stopping pods vanish in each pass), the service never runs more than
// replicas + surge pods, never has fewer than replicas − unavailable ready, and always finishes.
import { rollingBounds } from '@lastbackend/sdk';
import { rollingStep } from './rolling';
import { seededRandom } from '../util/seeded-random';

interface World {
  fresh: { total: number; ready: number };
  old: { total: number; ready: number };
  stopping: number;
}

/** Runs one update to its end; returns the passes it took, throwing at the first broken bound. */
function simulate(seed: number, replicas: number, surge: number, unavailable: number, oldNotReady = 0): number {
  const r = seededRandom(seed);
  const w: World = { fresh: { total: 0, ready: 0 }, old: { total: replicas, ready: replicas - oldNotReady }, stopping: 0 };
  const floor = Math.min(replicas - oldNotReady, replicas - unavailable);
  for (let pass = 1; pass <= 10_000; pass++) {
    const s = rollingStep({ replicas, surge, unavailable, ...w, fresh: { ...w.fresh }, old: { ...w.old } });
    expect(s.stopNotReady).toBeLessThanOrEqual(w.old.total - w.old.ready);
    w.old = { total: w.old.total - s.stopNotReady - s.stopReady, ready: w.old.ready - s.stopReady };
    w.stopping += s.stopNotReady + s.stopReady;
    w.fresh.total = s.fresh;
    const running = w.fresh.total + w.old.total + w.stopping;
    const ready = w.fresh.ready + w.old.ready;
    const ctx = `seed ${seed}, ${replicas} replicas, surge ${surge}, unavailable ${unavailable}, pass ${pass}`;
    if (running > Math.max(replicas + surge, replicas)) throw new Error(`${ctx}: ${running} pods run`);
    if (ready < floor) throw new Error(`${ctx}: ${ready} ready`);
    if (w.fresh.ready === replicas && w.old.total === 0) return pass;
    // Between passes: some new pods become ready, some stopping pods are gone (each with even odds).
    for (let k = w.fresh.total - w.fresh.ready; k > 0; k--) if (r() < 0.5) w.fresh.ready++;
    for (let k = w.stopping; k > 0; k--) if (r() < 0.5) w.stopping--;
  }
  throw new Error(`seed ${seed}: the update never finished`);
}

describe('rollingStep', () => {
  it('keeps within replicas + surge pods and replicas − unavailable ready, and finishes, over random runs', () => {
    const r = seededRandom(19);
    for (let seed = 1; seed <= 2000; seed++) {
      const replicas = 1 + Math.floor(r() * 12);
      let surge = Math.floor(r() * 4);
      let unavailable = Math.floor(r() * 4);
      if (surge === 0 && unavailable === 0) unavailable = 1;
      unavailable = Math.min(unavailable, replicas);
      surge = Math.min(surge, replicas);
      simulate(seed, replicas, surge, unavailable);
    }
  });

  it('6 replicas with max_unavailable 1 and no surge replace one pod at a time, never under 5 ready', () => {
    const passes = simulate(7, 6, 0, 1);
    expect(passes).toBeGreaterThanOrEqual(6);
  });

  it('stops old pods that are not ready first and at once: they serve nothing', () => {
    const s = rollingStep({ replicas: 4, surge: 1, unavailable: 0, fresh: { total: 0, ready: 0 }, old: { total: 4, ready: 2 }, stopping: 0 });
    expect(s).toEqual({ fresh: 1, stopNotReady: 2, stopReady: 0 });
    simulate(3, 4, 1, 0, 2);
  });

  it('makes no new pod while stopping ones still fill the surge', () => {
    expect(rollingStep({ replicas: 3, surge: 0, unavailable: 1, fresh: { total: 0, ready: 0 }, old: { total: 2, ready: 2 }, stopping: 1 }).fresh).toBe(0);
    expect(rollingStep({ replicas: 3, surge: 0, unavailable: 1, fresh: { total: 0, ready: 0 }, old: { total: 2, ready: 2 }, stopping: 0 }).fresh).toBe(1);
  });

  it('a new version that never becomes ready stops at most unavailable old pods', () => {
    let w = { fresh: { total: 0, ready: 0 }, old: { total: 6, ready: 6 }, stopping: 0 };
    for (let i = 0; i < 20; i++) {
      const s = rollingStep({ replicas: 6, surge: 1, unavailable: 1, ...w });
      w = { fresh: { total: s.fresh, ready: 0 }, old: { total: w.old.total - s.stopReady - s.stopNotReady, ready: w.old.ready - s.stopReady }, stopping: 0 };
    }
    expect(w.old.ready).toBe(5);
    expect(w.fresh.total).toBe(2);
  });
});

describe('rollingBounds', () => {
  it('reads counts and percentages (surge rounded up, unavailability down), 25% each by default', () => {
    expect(rollingBounds(undefined, 6)).toBeUndefined();
    expect(rollingBounds({ type: 'rolling' }, 6)).toEqual({ surge: 2, unavailable: 1 });
    expect(rollingBounds({ type: 'rolling', max_surge: 0, max_unavailable: 1 }, 6)).toEqual({ surge: 0, unavailable: 1 });
    expect(rollingBounds({ type: 'rolling', max_surge: '10%', max_unavailable: '10%' }, 6)).toEqual({ surge: 1, unavailable: 0 });
    expect(rollingBounds({ type: 'rolling', max_surge: '0%', max_unavailable: '20%' }, 3)).toEqual({ surge: 0, unavailable: 1 });
  });
});
