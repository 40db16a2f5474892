// Encoded zone answers by query, so a repeated UDP query costs a map lookup and a copy instead of a
// dns-packet decode and encode. A zone answer depends only on the query's bytes after its ID (flags,
// question, EDNS record: they decide RD, the name's case, the size limit) and on the zone, so the key is
// those bytes and the whole cache is dropped when the zone is replaced. Forwarded answers and errors are
// never stored: they depend on upstreams or on nothing worth keeping.

/** Queries at most this long are cached (a question plus an OPT record fits easily). */
const MAX_KEY_BYTES = 300;

export class AnswerCache {
  private readonly answers = new Map<string, Buffer>();

  /** At most `limit` answers; when full the cache starts again empty (cheaper than tracking use). */
  constructor(private readonly limit = 10_000) {}

  /** The cache key of a query, or undefined for one not cached (too short or too long). */
  key(query: Buffer): string | undefined {
    if (query.length < 12 || query.length > MAX_KEY_BYTES) return undefined;
    return query.toString('latin1', 2);
  }

  /** A copy of the stored answer with the query's ID, or undefined. */
  get(key: string, query: Buffer): Buffer | undefined {
    const stored = this.answers.get(key);
    if (!stored) return undefined;
    const out = Buffer.allocUnsafe(stored.length);
    stored.copy(out);
    out[0] = query[0];
    out[1] = query[1];
    return out;
  }

  /** Stores a zone answer for the query that got it. */
  set(key: string, answer: Buffer): void {
    if (this.answers.size >= this.limit) this.answers.clear();
    this.answers.set(key, Buffer.from(answer));
  }

  clear(): void {
    this.answers.clear();
  }

  get size(): number {
    return this.answers.size;
  }
}
