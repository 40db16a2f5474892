import { serialRefresh } from './serial-refresh';

describe('serialRefresh', () => {
  it('never overlaps runs, and a trigger during a run makes exactly one more run with the newest state', async () => {
    let state = 0;
    let active = 0;
    let maxActive = 0;
    const sent: number[] = [];
    const release: (() => void)[] = [];
    const refresh = serialRefresh(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      const seen = state;
      await new Promise<void>((r) => release.push(r));
      sent.push(seen);
      active--;
    }, (e) => { throw e; });
    const first = refresh();
    state = 1;
    refresh();
    state = 2;
    const last = refresh();
    release.shift()!();
    await new Promise((r) => setImmediate(r));
    release.shift()!();
    await Promise.all([first, last]);
    expect(sent).toEqual([0, 2]);
    expect(maxActive).toBe(1);
    expect(release).toHaveLength(0);
  });

  it('reports a failed run and runs again on the next trigger', async () => {
    const errors: string[] = [];
    let fail = true;
    let runs = 0;
    const refresh = serialRefresh(async () => {
      runs++;
      if (fail) throw new Error('store closed');
    }, (e) => errors.push(e.message));
    await refresh();
    fail = false;
    await refresh();
    expect(errors).toEqual(['store closed']);
    expect(runs).toBe(2);
  });
});
