// `?watch=true` on every list route that declares a watch (routes.ts WatchDef): one implementation,
// driven by the route table. The answer is a stream of events, one JSON object each:
//   {type: "ADDED" | "MODIFIED" | "DELETED", revision, object}   object in the list's wire format
//   {type: "SYNCED", revision}   everything up to revision was sent: after the current items, and
//                                after each commit's changes (several changes of one commit share its
//                                revision), so a client knows what it may resume from
// Without `revision` the stream starts with the current items as ADDED (all at the revision they were
// read at), then SYNCED, then every change after it. With `revision=N` it sends every change after N:
// a client that resumes from the revision of the last SYNCED it got misses none and sees none twice
// (cut off inside a commit, it skips the objects of it that it saw, as the SDK's watch does). A revision older than the
// server's change log keeps (store/change-log.ts) is answered 410 RESYNC (NDJSON) or with one RESYNC
// event (SSE, whose client cannot read an error status): list again, i.e. watch without revision.
// Formats: NDJSON (application/x-ndjson; a blank line every 15 s keeps it alive), or Server-Sent
// Events when the request accepts text/event-stream (data: the event; the SYNCED ones carry the
// revision as id, so that EventSource's Last-Event-ID resumes right).
// A watch shows what the list would: the route's permission and scope were checked by the bearer
// check (api/auth.ts); on a route without :ns (the namespace list) a token limited to namespaces sees
// its namespaces' objects only. A watch ends when its token is revoked or expires (a made token; the
// owner's token lives as long as the server's config).
import type { NextFunction, Response } from 'express';
import { errorBody, LbError, notFound, wire } from '@lastbackend/sdk';
import { isApiCaller } from '../../auth/auth';
import { inScope } from '../../auth/permissions';
import type { StoredToken } from '../../auth/auth';
import { keys } from '../../store/keys';
import type { Store, StoredObject, StoreEvent } from '../../store/store';
import type { AuthedRequest } from '../auth';
import type { WatchDef } from '../route';
import { requestRoute, type RouteMatch } from '../route-match';
import type { WatchView } from './views';

export const KEEPALIVE_MS = 15_000;
/** Events queued for a client that does not read: past this the stream ends (it resumes from its revision). */
const MAX_QUEUED = 10_000;

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNCED' | 'RESYNC';
export interface WatchEvent {
  type: WatchEventType;
  revision: number;
  object?: unknown;
}

/** The open watch streams, ended when the server shuts down (they would hold its close up). */
export class OpenWatches {
  private readonly ends = new Set<() => void>();
  add(end: () => void): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }
  /** Nest calls this on app.close(), before the HTTP server waits for its connections. */
  beforeApplicationShutdown(): void {
    for (const end of [...this.ends]) end();
  }
}

export interface WatchDeps {
  store: Store;
  open?: OpenWatches;
  views: (item: string) => WatchView;
  wire: wire.WireContext;
  keepaliveMs?: number;
}


export const acceptsEventStream = (req: { headers: { accept?: string } }): boolean => /\btext\/event-stream\b/i.test(req.headers.accept ?? '');

/** The watch query of a request: undefined when it is not a watch. Throws on a malformed one. */
export function watchQuery(url: string, lastEventId?: string): { revision?: number } | undefined {
  const q = new URL(url, 'http://x').searchParams;
  const w = q.get('watch');
  if (w === null || w === 'false') return undefined;
  if (w !== 'true') throw new LbError('INVALID_ARGUMENT', 'invalid query', { fields: [{ field: 'watch', reason: 'must be true or false' }] });
  const raw = q.get('revision') ?? lastEventId;
  if (raw === undefined || raw === null || raw === '') return {};
  if (!/^\d{1,15}$/.test(raw)) throw new LbError('INVALID_ARGUMENT', 'invalid query', { fields: [{ field: 'revision', reason: 'must be a whole number ≥ 0 (the revision of the last event seen)' }] });
  return { revision: Number(raw) };
}

/** Whether a request is a watch of a watchable route (what a watch ticket may open). */
export function isWatchRequest(req: { method: string; path: string; url: string }): boolean {
  if (req.method !== 'GET') return false;
  try {
    return !!watchQuery(req.url) && !!requestRoute(req)?.def.watch;
  } catch {
    return false;
  }
}

export function watchMiddleware(d: WatchDeps) {
  return (req: AuthedRequest, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET') return next();
    let q: { revision?: number } | undefined;
    let m: RouteMatch | undefined;
    try {
      const last = req.headers['last-event-id'];
      q = watchQuery(req.url, acceptsEventStream(req) && typeof last === 'string' ? last : undefined);
      if (!q) return next();
      m = requestRoute(req);
      if (!m) return next(); // the router's 404
      if (!m.def.watch) throw new LbError('INVALID_ARGUMENT', `GET ${m.def.path} cannot be watched: it does not list stored objects`, { fields: [{ field: 'watch', reason: 'not on this route' }] });
    } catch (e) {
      return fail(res, e);
    }
    serve(d, req, res, m.def.watch, m.params, q.revision).catch((e: unknown) => fail(res, e));
  };
}

function fail(res: Response, e: unknown): void {
  const err = e instanceof LbError ? e : new LbError('INTERNAL', (e as Error).message);
  if (res.headersSent) return void res.destroy();
  res.status(err.status).json(err.toJSON());
}

async function serve(d: WatchDeps, req: AuthedRequest, res: Response, w: WatchDef, params: Record<string, string>, from: number | undefined): Promise<void> {
  // What to undo when the client goes, whenever it goes (before the stream started, too).
  let gone = false;
  const undo: (() => void)[] = [];
  const onClose = (f: () => void) => (gone ? f() : void undo.push(f));
  res.on('close', () => {
    gone = true;
    for (const f of undo.splice(0)) f();
  });
  const p = req.principal;
  if (!p || !isApiCaller(p)) throw new LbError('FORBIDDEN', 'a watch takes a token with a role');
  // What the list would refuse (a bad query: 400, what it lists gone: 404), before anything is streamed.
  const selected = w.select?.(params, new URL(req.url, 'http://x').searchParams);
  for (const r of w.requires?.(params) ?? []) if (!(await d.store.get(r.key))) throw notFound(r.what);

  const prefix = w.prefix(params);
  const visible = (key: string, o: StoredObject | undefined): boolean =>
    !!o &&
    (!w.filter || w.filter(o as unknown as { meta: Record<string, unknown> }, params)) &&
    (!selected || selected(o)) &&
    (!w.namespaceOf || inScope(p, w.namespaceOf(key)));
  const view = d.views(w.item.name);
  const encode = async (o: StoredObject) => wire.encodeAnswer(w.item.name, await view(o), false, d.wire);
  const sse = acceptsEventStream(req);
  const out = new Sink(res, sse);

  // Changes are sent one at a time in order (a view may read the store); each commit's count of
  // queued changes tells when all of it was sent (SYNCED).
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  const pendingAt = new Map<number, number>();
  /** Revisions some change of which this client was sent (others' ids would tell it of changes it may not see). */
  const sentAt = new Set<number>();
  const enqueue = (task: () => Promise<void>) => {
    if (++queued > MAX_QUEUED) return out.close();
    chain = chain.then(task).then(
      () => void queued--,
      (e: unknown) => out.error(e),
    );
  };
  const onChange = (ev: StoreEvent) => {
    pendingAt.set(ev.revision, (pendingAt.get(ev.revision) ?? 0) + 1);
    enqueue(async () => {
      const was = visible(ev.key, ev.prev);
      const is = ev.type === 'put' && visible(ev.key, ev.value);
      const type = is ? (was ? 'MODIFIED' : 'ADDED') : was ? 'DELETED' : undefined;
      if (type) {
        out.send({ type, revision: ev.revision, object: await encode((is ? ev.value : ev.prev) as StoredObject) });
        sentAt.add(ev.revision);
      }
      const left = (pendingAt.get(ev.revision) ?? 1) - 1;
      if (left > 0) pendingAt.set(ev.revision, left);
      else {
        pendingAt.delete(ev.revision);
        if (sentAt.delete(ev.revision)) out.synced(ev.revision);
      }
    });
  };

  let stop: (() => void) | undefined;
  if (from === undefined) {
    // The current items at one revision, then the changes after it (the log keeps them meanwhile).
    for (let attempt = 1; !stop; attempt++) {
      const snap = await d.store.snapshot(prefix);
      if (snap.revision < d.store.changeFloor) {
        if (attempt < 3) continue; // writes outran the log while it was read: read again
        throw new LbError('UNAVAILABLE', 'the store changes faster than the watch can start', { fix: 'retry' });
      }
      // From here to the subscription nothing waits: the log cannot move past the snapshot meanwhile.
      out.start();
      const items = snap.entries.filter(([k, o]) => visible(k, o));
      enqueue(async () => {
        for (const [, o] of items) out.send({ type: 'ADDED', revision: snap.revision, object: await encode(o) });
        out.synced(snap.revision);
      });
      const sub = d.store.changesSince(prefix, snap.revision, onChange);
      if ('gone' in sub) throw new LbError('INTERNAL', 'the change log moved past a revision it kept');
      stop = sub.stop;
    }
  } else {
    const sub = d.store.changesSince(prefix, from, onChange);
    if ('gone' in sub) {
      const message = `revision ${from} is older than this server's change log keeps (from ${sub.floor}): list again (watch without revision); the current revision is ${sub.revision}`;
      if (!sse) return void res.status(410).json({ ...errorBody(410, 'RESYNC', message), revision: sub.revision });
      out.start();
      out.send({ type: 'RESYNC', revision: sub.revision, object: { message } });
      return out.close();
    }
    stop = sub.stop;
    out.start();
  }
  if (stop) onClose(stop);
  if (d.open) onClose(d.open.add(() => out.close()));
  const keepalive = setInterval(() => out.keepalive(), d.keepaliveMs ?? KEEPALIVE_MS);
  onClose(() => clearInterval(keepalive));
  if (p.token !== undefined) onClose(await guardToken(d.store, p.token, () => out.error(new LbError('UNAUTHORIZED', 'the watch token was revoked or expired'))));
}

/** Calls end when the token is deleted (revoked, or swept after expiry) or its expiry passes; returns the undo. */
async function guardToken(store: Store, id: string, end: () => void): Promise<() => void> {
  const key = keys.token(id);
  const stopWatch = store.watch(key, (ev) => ev.key === key && ev.type === 'del' && end());
  const t = await store.get<StoredToken>(key);
  const left = t ? Date.parse(t.spec.expires) - Date.now() : 0;
  // setTimeout takes at most 2^31-1 ms (24.8 days): a longer watch is cut then, and resumes.
  const timer = setTimeout(end, Math.max(0, Math.min(left, 2 ** 31 - 1)));
  return () => {
    stopWatch();
    clearTimeout(timer);
  };
}

/** The response a watch writes to: NDJSON lines, or SSE events. */
class Sink {
  constructor(
    private readonly res: Response,
    private readonly sse: boolean,
  ) {}

  start(): void {
    this.res.status(200);
    this.res.setHeader('content-type', this.sse ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson');
    this.res.setHeader('cache-control', 'no-store');
    this.res.setHeader('x-accel-buffering', 'no'); // a proxy must not hold events back
    this.res.flushHeaders();
  }

  private get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  send(ev: WatchEvent, id?: number): void {
    if (this.closed) return;
    const text = JSON.stringify(ev);
    this.res.write(this.sse ? `data: ${text}\n${id === undefined ? '' : `id: ${id}\n`}\n` : `${text}\n`);
  }

  /** Everything up to this revision was sent: SYNCED (with SSE, the client's Last-Event-ID moves to it). */
  synced(revision: number): void {
    this.send({ type: 'SYNCED', revision }, revision);
  }

  keepalive(): void {
    if (!this.closed) this.res.write(this.sse ? ': keep-alive\n\n' : '\n');
  }

  error(e: unknown): void {
    const err = e instanceof LbError ? e : new LbError('INTERNAL', (e as Error).message);
    if (this.sse && !this.closed) this.res.write(`event: error\ndata: ${JSON.stringify(err.toJSON())}\n\n`);
    this.close();
  }

  close(): void {
    if (!this.closed) this.res.end();
  }
}
