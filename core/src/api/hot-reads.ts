// The hottest reads served before Express: a GET of a fast route (fast-reads.ts) whose answer is kept for
// the store's current revision, by a caller the bearer check admits, is answered from the HTTP server's
// own request event. Express's request setup and its middleware chain cost most of such a call.
// It answers only what the full chain would answer 200 with the same bytes and headers, and passes
// everything else to Express untouched, which then checks and answers it as always:
//  - any query (a query token, a watch, a ticket), a conditional or bodied request, a HEAD;
//  - no kept answer (first read after a commit; etcd), an unknown token, a caller the route refuses.
// Nothing it answers is audited by the recorder (fast-reads.ts takes only routes whose success is not),
// and each answer is counted by the API's metrics (and access log) like one through the chain.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Auth } from '../auth/auth';
import { admission, headerBearer, peerOf } from './auth';
import { answerHeaders, type FastReads } from './fast-reads';
import type { HttpObserver } from './http-metrics';
import { requestRoute } from './route-match';
import { hotLaneCalls } from '../metrics/metrics';

const READ_CALLS = hotLaneCalls.labels('read');

export interface HotReadsDeps {
  auth: Auth;
  reads: FastReads;
  metrics: HttpObserver;
}

/** Whether only the route and the bearer decide the answer: a plain GET with neither query nor conditions. */
function plainGet(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  const h = req.headers;
  return (
    req.method === 'GET' &&
    url.startsWith('/') &&
    !url.includes('?') &&
    h['if-none-match'] === undefined &&
    h['if-modified-since'] === undefined &&
    h['content-length'] === undefined &&
    h['transfer-encoding'] === undefined
  );
}

export function hotReads(app: RequestListener, d: HotReadsDeps): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const token = plainGet(req) ? headerBearer(req.headers.authorization) : undefined;
    const path = req.url as string;
    const route = token ? requestRoute({ method: 'GET', path }) : undefined;
    if (!token || !route || !d.reads.kept(route)) return app(req, res);
    d.auth.authenticate(token, peerOf(req)).then(
      (p) => {
        // Looked up again: a commit may have landed while the caller was checked.
        const answer = p && !admission(p, 'GET', path, route) ? d.reads.kept(route) : undefined;
        if (!p || !answer) return app(req, res);
        READ_CALLS.inc();
        res.writeHead(200, answerHeaders(answer));
        res.end(answer.body);
        d.metrics.record('GET', route.def.path, 200, (performance.now() - started) / 1000, p);
      },
      () => app(req, res),
    );
  };
}
