// `lb exec -it` puts the local terminal in raw mode (keys go to the remote terminal as they are typed,
// Ctrl-C included) and must give it back on every way out: the session's end, an error, a signal, and the
// process exiting by any other path. restore() is idempotent, so each of those may call it.
export interface RawCapable {
  isRaw?: boolean;
  setRawMode(mode: boolean): unknown;
}

export interface ExitHooks {
  once(event: 'exit', fn: () => void): unknown;
  off(event: 'exit', fn: () => void): unknown;
}

/** Raw mode on; the function returned puts the terminal back as it was (once, whoever calls it). */
export function enterRawMode(tty: RawCapable, proc: ExitHooks = process): () => void {
  const was = tty.isRaw === true;
  tty.setRawMode(true);
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    proc.off('exit', restore);
    try {
      tty.setRawMode(was);
    } catch {
      // the terminal is gone (closed): nothing to restore
    }
  };
  proc.once('exit', restore);
  return restore;
}
