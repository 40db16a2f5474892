import { WatchCursor, type WatchEvent } from './watch';

const ev = (type: WatchEvent['type'], revision: number, name = ''): WatchEvent => ({ type, revision, object: { meta: { namespace: 'n', name } } });

describe('WatchCursor', () => {
  it('starts over until the current items are synced', () => {
    const c = new WatchCursor();
    expect(c.accept(ev('ADDED', 5, 'a'))).toBe(true);
    expect(c.resumeFrom).toBeUndefined();
    c.accept(ev('SYNCED', 5));
    expect(c.resumeFrom).toBe(5);
  });

  it('resumes from the last whole revision and skips what it saw of a commit cut in the middle', () => {
    const c = new WatchCursor(5);
    expect(c.accept(ev('ADDED', 6, 'a'))).toBe(true);
    expect(c.accept(ev('ADDED', 7, 'b'))).toBe(true); // commit 7 has b and c; the connection drops after b
    expect(c.resumeFrom).toBe(6);
    // The server sends everything after 6 again: b is a repeat, c and 8 are new.
    expect([ev('ADDED', 7, 'b'), ev('MODIFIED', 7, 'c'), ev('DELETED', 8, 'a')].map((e) => c.accept(e))).toEqual([false, true, true]);
    expect(c.resumeFrom).toBe(7);
    c.accept(ev('SYNCED', 8));
    expect(c.resumeFrom).toBe(8);
  });

  it('forgets everything on RESYNC', () => {
    const c = new WatchCursor(5);
    c.accept(ev('RESYNC', 9));
    expect(c.resumeFrom).toBeUndefined();
  });
});
