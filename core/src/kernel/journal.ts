// The kernel's journal of driver changes that outlive a restart, in one file (<data dir>/drivers-state/
// driver-journal.json): the swaps made through the API (package names only; they hold until the config
// file's entry for that kind changes) and the container runtimes swapped out while they still ran this
// node's containers. Releases before it kept these in swapped-drivers.json and retired-runtimes.json: those
// are read once (with the same checks), folded in and removed.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DRIVER_KINDS, type DriverKind } from '@lastbackend/sdk';
import { z } from 'zod';
import { DriverPackage, DriverSwapRequest } from '../config/config';
import type { Logger } from './logger';

const Swapped = z.partialRecord(z.enum(DRIVER_KINDS), DriverSwapRequest);
const Retired = z.array(DriverPackage);
/** Each part is checked on its own: a bad record of swaps does not cost the retired runtimes, nor the reverse. */
const JournalFile = z.object({ swapped: z.unknown().optional(), retired: z.unknown().optional() });

export type SwapRecord = z.output<typeof DriverSwapRequest>;
export type RetiredRecord = z.output<typeof DriverPackage>;
export interface JournalContent {
  swapped: Partial<Record<DriverKind, SwapRecord>>;
  retired: RetiredRecord[];
}

export const JOURNAL_FILE = 'driver-journal.json';
/** The files of releases before the journal, folded into it when found. */
export const LEGACY_FILES = { swapped: 'swapped-drivers.json', retired: 'retired-runtimes.json' } as const;

export class DriverJournal {
  private content: JournalContent;

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {
    this.content = this.read();
  }

  get file(): string {
    return join(this.dir, JOURNAL_FILE);
  }

  /** Swaps made through the API, by kind. */
  swapped(): Partial<Record<DriverKind, SwapRecord>> {
    return { ...this.content.swapped };
  }

  retired(): RetiredRecord[] {
    return [...this.content.retired];
  }

  /** Records (or, with undefined, forgets) the API's swap of `kind`. */
  recordSwap(kind: DriverKind, ref: SwapRecord | undefined): void {
    if (!ref && !this.content.swapped[kind]) return;
    const swapped = { ...this.content.swapped };
    if (ref) swapped[kind] = ref;
    else delete swapped[kind];
    this.write({ ...this.content, swapped });
  }

  recordRetired(refs: RetiredRecord[]): void {
    if (JSON.stringify(refs) === JSON.stringify(this.content.retired)) return;
    this.write({ ...this.content, retired: refs });
  }

  private read(): JournalContent {
    const raw = this.readChecked(this.file, JournalFile, "the config file's drivers apply and retired runtimes are forgotten");
    const journal: JournalContent = {
      swapped: (raw?.swapped === undefined ? undefined : this.check(this.file, 'swapped', Swapped, raw.swapped, "the config file's drivers apply")) ?? {},
      retired: (raw?.retired === undefined ? undefined : this.check(this.file, 'retired', Retired, raw.retired, 'retired runtimes are forgotten')) ?? [],
    };
    const legacySwapped = join(this.dir, LEGACY_FILES.swapped);
    const legacyRetired = join(this.dir, LEGACY_FILES.retired);
    if (!existsSync(legacySwapped) && !existsSync(legacyRetired)) return journal;
    // Written by an older release: what the journal does not say yet comes from them, then they go.
    const swapped = this.readChecked(legacySwapped, Swapped, "the config file's drivers apply") ?? {};
    const retired = this.readChecked(legacyRetired, Retired, 'retired runtimes are forgotten') ?? [];
    const merged: JournalContent = {
      swapped: { ...swapped, ...journal.swapped },
      retired: journal.retired.length ? journal.retired : retired,
    };
    this.write(merged);
    rmSync(legacySwapped, { force: true });
    rmSync(legacyRetired, { force: true });
    this.log.info(`driver swaps and retired runtimes moved into ${this.file}`);
    return merged;
  }

  /** A state file, checked: torn or foreign content is reported and treated as absent. */
  private readChecked<T>(file: string, schema: z.ZodType<T>, consequence: string): T | undefined {
    if (!existsSync(file)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      this.log.warn(`${file} is unreadable (${(e as Error).message}); ${consequence}`);
      return undefined;
    }
    return this.check(file, '', schema, parsed, consequence);
  }

  private check<T>(file: string, part: string, schema: z.ZodType<T>, value: unknown, consequence: string): T | undefined {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    this.log.warn(`${file}${part ? ` (${part})` : ''} is unreadable (${r.error.issues[0]?.message ?? 'unexpected content'}); ${consequence}`);
    return undefined;
  }

  private write(content: JournalContent): void {
    this.content = content;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(`${this.file}.tmp`, JSON.stringify(content));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
