import { BoundedOutput, EXEC_OUTPUT_LIMIT, boundedCollector, limitExecResult, limitText, truncationMarker } from './output';

describe('bounded exec output', () => {
  it('keeps the first limit bytes of a stream and leaves a short one as it is', () => {
    const c = boundedCollector(10);
    c.push('stdout', Buffer.from('hello '));
    c.push('stdout', 'world');
    c.push('stderr', 'err');
    expect(c.result()).toEqual({ stdout: 'hello worl' + truncationMarker(1), stderr: 'err' });
  });

  it('keeps exactly the limit and says how many bytes it dropped, per stream', () => {
    const c = boundedCollector(1000);
    for (let i = 0; i < 100; i++) c.push('stdout', Buffer.alloc(100, 'x'));
    c.push('stderr', Buffer.alloc(1000, 'e'));
    const r = c.result();
    expect(r.stdout).toBe('x'.repeat(1000) + '\n[output truncated: 9000 bytes dropped]');
    expect(r.stderr).toBe('e'.repeat(1000)); // at the limit, not over it: nothing dropped
  });

  it('holds no more than the limit however much is pushed (the rest is only counted)', () => {
    const out = new BoundedOutput(64 * 1024);
    const chunk = Buffer.alloc(64 * 1024, 'y');
    for (let i = 0; i < 1000; i++) out.push(chunk); // 64 MiB through it
    expect(out.droppedBytes).toBe(999 * 64 * 1024);
    expect(out.truncated).toBe(true);
    const text = out.text();
    expect(Buffer.byteLength(text)).toBe(64 * 1024 + Buffer.byteLength(truncationMarker(999 * 64 * 1024)));
  });

  it('does not keep a view into the pushed chunk (a big runtime buffer is not pinned)', () => {
    const big = Buffer.alloc(1024, 'a');
    const out = new BoundedOutput(4);
    out.push(big);
    big.fill('b');
    expect(out.text()).toBe('aaaa' + truncationMarker(1020));
  });

  it('cuts on a whole UTF-8 character and counts the bytes of a split one as dropped', () => {
    const out = new BoundedOutput(4);
    out.push('ab€c'); // € is 3 bytes: the limit falls inside it
    expect(out.text()).toBe('ab' + truncationMarker(4));
    const four = new BoundedOutput(5);
    four.push('a😀b'); // 😀 is 4 bytes: 1 + 4 fit
    expect(four.text()).toBe('a😀' + truncationMarker(1));
  });

  it('defaults to 1 MiB', () => {
    expect(EXEC_OUTPUT_LIMIT).toBe(1024 * 1024);
    expect(new BoundedOutput().limit).toBe(EXEC_OUTPUT_LIMIT);
  });

  it('limitText bounds a finished text and leaves one a driver already cut alone', () => {
    expect(limitText('short', 10)).toBe('short');
    const cut = limitText('z'.repeat(50), 10);
    expect(cut).toBe('z'.repeat(10) + truncationMarker(40));
    expect(limitText(cut, 10)).toBe(cut);
    // Text that merely looks like a marker after too much is still cut.
    const fake = 'z'.repeat(50) + truncationMarker(1);
    expect(Buffer.byteLength(limitText(fake, 10))).toBeLessThanOrEqual(10 + truncationMarker(99).length);
  });

  it('limitExecResult keeps the exit code and bounds both streams', () => {
    expect(limitExecResult({ exitCode: 3, stdout: 'o'.repeat(20), stderr: 'ok' }, 8)).toEqual({ exitCode: 3, stdout: 'oooooooo' + truncationMarker(12), stderr: 'ok' });
  });
});
