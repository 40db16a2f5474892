// What `lb exec` runs as, from -i/-t and whether stdin is a terminal, by kubectl's rules: neither flag is the
// plain exec (output bounded, collected); -i streams stdin; -t takes a TTY only with -i and a local terminal
// on stdin, and otherwise goes on without one, saying why.
export interface ExecMode {
  /** Through the streaming route (an upgraded connection), not the collected one. */
  stream: boolean;
  stdin: boolean;
  tty: boolean;
  /** Why -t was dropped. */
  warning?: string;
}

export function execMode(flags: { stdin?: boolean; tty?: boolean }, stdinIsTerminal: boolean): ExecMode {
  const stdin = flags.stdin === true;
  if (!flags.tty) return { stream: stdin, stdin, tty: false };
  if (!stdin) return { stream: true, stdin: false, tty: false, warning: 'Unable to use a TTY without -i (stdin): use -it for an interactive shell' };
  if (!stdinIsTerminal) return { stream: true, stdin: true, tty: false, warning: 'Unable to use a TTY - input is not a terminal or the right kind of file' };
  return { stream: true, stdin: true, tty: true };
}
