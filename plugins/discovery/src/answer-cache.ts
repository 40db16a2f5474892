// Encoded zone answers by query, so a repeated UDP query costs a map lookup and a copy instead of a
// dns-packet decode and encode. A zone answer depends only on the query's bytes after its ID (flags,
// question, EDNS record: they decide RD, the name's case, the size limit) and on the zone, so the key is
// those bytes and the whole cache is dropped when the zone is replaced. Forwarded answers and errors are
// never stored: they depend on upstreams or on nothing worth keeping. native/udp-answers.c keeps the
// same cache, by the same rules, for the UDP socket it serves.

/** Queries of 12 to this many bytes are cached (a question plus an OPT record fits easily). */
const MAX_KEY_BYTES = 300;

/** Where the server stores zone answers for repeats of a query: this cache, or the native UDP thread's. */
export interface AnswerStore {
  /** The answer to repeats of `query` (the same bytes after the ID) until forget(). */
  remember(query: Buffer, answer: Buffer): void;
  /** Drops every answer: the zone was replaced. */
  forget(): void;
}

/** The cache key of a query, or undefined for one not cached (too short or too long). */
const keyOf = (query: Buffer): string | undefined =>
  query.length < 12 || query.length > MAX_KEY_BYTES ? undefined : query.toString('latin1', 2);

export class AnswerCache implements AnswerStore {
  private readonly answers = new Map<string, Buffer>();

  /** At most `limit` answers; when full the cache starts again empty (cheaper than tracking use). */
  constructor(private readonly limit = 10_000) {}

  /** A copy of the answer stored for this query's bytes, with the query's ID, or undefined. */
  get(query: Buffer): Buffer | undefined {
    const key = keyOf(query);
    const stored = key === undefined ? undefined : this.answers.get(key);
    if (!stored) return undefined;
    const out = Buffer.allocUnsafe(stored.length);
    stored.copy(out);
    out[0] = query[0];
    out[1] = query[1];
    return out;
  }

  remember(query: Buffer, answer: Buffer): void {
    const key = keyOf(query);
    if (key === undefined) return;
    if (this.answers.size >= this.limit) this.answers.clear();
    this.answers.set(key, Buffer.from(answer));
  }

  forget(): void {
    this.answers.clear();
  }

  get size(): number {
    return this.answers.size;
  }
}
