// How a waiting command shows the rollout: on a terminal one block redrawn in place (cursor up, clear
// to the end), in a pipe or CI one line per change (never the same line twice in a row for a service
// or pod). What the server says (names, messages) is shown without control sequences on a terminal.
import type { PodProgress } from '@lastbackend/sdk';
import type { ServiceProgress } from './progress';
import { pullDetail } from '@lastbackend/sdk/models/pod-progress';
import { stripTerminalControls } from '../terminal';

const ESC = '\u001b[';

/** A pod's phase in words: "ready", "scheduled on node n1", "pulling 1.0 MB of 4.0 MB (25%)", "crash-looping: …". */
export function describePod(p: PodProgress): string {
  if (p.phase === 'ready') return 'ready';
  if (p.phase === 'pulling') return p.detail;
  if (p.phase === 'scheduled') return `scheduled ${p.detail}`;
  return p.detail ? `${p.phase}: ${p.detail}` : p.phase;
}

/** "service/web v2: 2/3 updated, 1/3 ready", or what it waits for before there is a version. */
export function serviceLine(s: ServiceProgress): string {
  if (!s.version) return `service/${s.name}: ${s.note ?? 'waiting'}`;
  return `service/${s.name} ${s.version}: ${s.updated}/${s.desired} updated, ${s.ready}/${s.desired} ready${s.note ? `; ${s.note}` : ''}`;
}

export const podLine = (s: ServiceProgress, p: PodProgress): string => `pod/${p.name} ${s.version ?? ''}: ${describePod(p)}`.replace(/ :/, ':');

/** In a pipe a pull is told in steps of 10%, not at every chunk. */
function coarse(p: PodProgress): PodProgress {
  if (p.phase !== 'pulling' || !p.pull || !(p.pull.total > 0)) return p;
  const pct = Math.floor((p.pull.current / p.pull.total) * 10) / 10;
  return { ...p, detail: pullDetail({ current: Math.round(p.pull.total * pct), total: p.pull.total }) };
}

/** Pipe mode: the lines that changed since the last call, a service's pods before its tally. */
export class LineRenderer {
  private readonly last = new Map<string, string>();

  update(services: readonly ServiceProgress[]): string[] {
    const out: string[] = [];
    const emit = (key: string, line: string) => {
      if (this.last.get(key) === line) return;
      this.last.set(key, line);
      out.push(line);
    };
    for (const s of services) {
      for (const p of s.pods) emit(`pod/${p.name}`, podLine(s, coarse(p)));
      emit(`service/${s.name}`, serviceLine(s));
    }
    return out;
  }
}

/** The block of a terminal: one line per service, one indented line per pod of its new version. */
export function blockLines(services: readonly ServiceProgress[]): string[] {
  const lines: string[] = [];
  for (const s of services) {
    lines.push(s.version ? `service/${s.name} ${s.version}   desired ${s.desired}   updated ${s.updated}   ready ${s.ready}${s.note ? `   ${s.note}` : ''}` : serviceLine(s));
    const width = Math.max(0, ...s.pods.map((p) => p.name.length));
    for (const p of s.pods) lines.push(`  ${p.name.padEnd(width)}   ${describePod(p)}`);
  }
  return lines.map(stripTerminalControls);
}

/** Terminal mode: each frame moves up over the previous one and clears it before drawing. */
export class BlockRenderer {
  private height = 0;
  private last = '';

  constructor(private readonly columns: () => number | undefined = () => undefined) {}

  /** The text that redraws the block; empty when it would draw what is already there. */
  frame(services: readonly ServiceProgress[]): string {
    const cols = this.columns();
    // A line as wide as the terminal would wrap and throw the count of lines to move up over off.
    const lines = blockLines(services).map((l) => (cols && l.length >= cols ? l.slice(0, Math.max(1, cols - 2)) + '…' : l));
    const text = lines.join('\n');
    if (this.height && text === this.last) return '';
    this.last = text;
    const up = this.height ? `${ESC}${this.height}A\r` : '';
    this.height = lines.length;
    return `${up}${ESC}0J${lines.join('\n')}${lines.length ? '\n' : ''}`;
  }
}
