import { Overlay } from './overlay';

describe('Overlay', () => {
  it('reads the writes under a prefix in key order, deletes included, and sees keys added after a read', () => {
    const o = new Overlay<string>();
    o.set('pod/ns/web-2', '{"n":2}', 'g1');
    o.set('pod/ns/web-1', undefined, 'g1');
    o.set('pod/ns/webx-1', '{"x":1}', 'g1');
    o.set('pod/other/web-1', '{"o":1}', 'g1');
    expect(o.under('pod/ns/web-')).toEqual([
      ['pod/ns/web-1', undefined],
      ['pod/ns/web-2', '{"n":2}'],
    ]);
    o.set('pod/ns/web-0', '{"n":0}', 'g2');
    o.set('pod/ns/web-2', '{"n":22}', 'g2');
    expect(o.under('pod/ns/web-').map(([k, j]) => `${k}=${j}`)).toEqual(['pod/ns/web-0={"n":0}', 'pod/ns/web-1=undefined', 'pod/ns/web-2={"n":22}']);
    expect(o.under('node/')).toEqual([]);
  });

  it('drops what a group wrote, keeping keys a later group wrote again', () => {
    const o = new Overlay<string>();
    o.set('a/1', '1', 'g1');
    o.set('a/2', '2', 'g1');
    expect(o.under('a/')).toHaveLength(2);
    o.set('a/2', '2b', 'g2');
    o.written('g1');
    expect(o.size).toBe(1);
    expect(o.under('a/')).toEqual([['a/2', '2b']]);
    expect(o.get('a/1')).toBeUndefined();
    o.clear();
    expect(o.under('a/')).toEqual([]);
  });
});
