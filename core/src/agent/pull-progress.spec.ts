// A pull's layer reports folded into bytes of bytes, and the message a pod container shows.
import { formatBytes } from '@lastbackend/sdk';
import { PullTally, pullMessage } from './pull-progress';

describe('PullTally', () => {
  it('sums the layers as Docker reports them: sizes once known, a finished layer whole, present layers nothing', () => {
    const t = new PullTally();
    const steps: [string | undefined, string, number, number][] = [
      [undefined, 'Pulling from library/app', 0, 0],
      ['l1', 'Already exists', 0, 0],
      ['l2', 'Pulling fs layer', 0, 0],
      ['l3', 'Pulling fs layer', 0, 0],
      ['l2', 'Downloading', 1_000, 10_000],
      ['l3', 'Downloading', 2_000, 30_000],
    ];
    for (const [layer, status, current, total] of steps) t.fold({ ...(layer ? { layer } : {}), status, current, total });
    expect(t.totals()).toEqual({ current: 3_000, total: 40_000 });
    t.fold({ layer: 'l2', status: 'Verifying Checksum', current: 0, total: 0 });
    t.fold({ layer: 'l2', status: 'Download complete', current: 0, total: 0 });
    expect(t.totals()).toEqual({ current: 12_000, total: 40_000 });
    // Extracting counts its own bytes: the download is whole by then.
    t.fold({ layer: 'l2', status: 'Extracting', current: 200, total: 10_000 });
    t.fold({ layer: 'l3', status: 'Downloading', current: 1_000, total: 30_000 }); // never backwards
    expect(t.totals()).toEqual({ current: 12_000, total: 40_000 });
    t.fold({ layer: 'l3', status: 'Pull complete', current: 0, total: 0 });
    expect(t.totals()).toEqual({ current: 40_000, total: 40_000 });
  });

  it("takes containerd's reports: Downloading steps and Download complete with the sizes", () => {
    const t = new PullTally();
    t.fold({ layer: 'sha256:a', status: 'Downloading', current: 524_288, total: 2_000_000 });
    t.fold({ layer: 'sha256:b', status: 'Download complete', current: 700, total: 700 });
    expect(t.totals()).toEqual({ current: 524_988, total: 2_000_700 });
  });
});

describe('pull messages', () => {
  it('reads as bytes of bytes with the percentage, or the image alone while no size is known', () => {
    expect(pullMessage('app:1', { current: 12_100_000, total: 40_200_000 })).toBe('pulling app:1: 12.1 MB of 40.2 MB (30%)');
    expect(pullMessage('app:1', { current: 0, total: 0 })).toBe('pulling app:1');
    expect(pullMessage('app:1')).toBe('pulling app:1');
    expect([formatBytes(999), formatBytes(1_500), formatBytes(2_000_000_000)]).toEqual(['999 B', '1.5 kB', '2.0 GB']);
  });
});
