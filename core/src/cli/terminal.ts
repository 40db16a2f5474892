// What the CLI prints comes in part from elsewhere: container log lines, exec output, names and messages
// nodes report. On a terminal a control sequence in there is obeyed, not shown (a title change, a
// cleared screen, a rewritten line, with some terminals worse), so output to a terminal loses them.
// Piped or redirected output is left exactly as it came: it is data for another program.
import { stripVTControlCharacters } from 'node:util';

// C0 controls but tab and newline, DEL, and C1 controls (U+0080-U+009F, which some terminals obey as
// ESC + a letter): whatever a whole-sequence strip leaves, e.g. a lone ESC or BEL, or a sequence cut
// in two by chunking.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** The text without terminal control sequences and control characters (tab and newline stay). */
export function stripTerminalControls(text: string): string {
  return stripVTControlCharacters(text).replace(CONTROLS, '');
}

export interface TerminalAware {
  write(chunk: string): unknown;
  /** Set by Node on a stream that is a terminal. */
  isTTY?: boolean;
}

/** The sink itself when it is not a terminal; on a terminal, one that writes stripped text. */
export function terminalSafe<S extends TerminalAware>(sink: S): TerminalAware {
  if (!sink.isTTY) return sink;
  return { isTTY: true, write: (chunk: string) => sink.write(stripTerminalControls(String(chunk))) };
}
