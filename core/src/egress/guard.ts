// Every outbound call the server makes on a namespace's behalf (a job's HTTP provider and hook) goes
// through here: the URL must match the namespace's egress allow-list, the host is resolved once, every
// address is checked (allow.ts), and the connection goes to the checked addresses (the request's lookup is
// pinned to them: a second resolution by a DNS-rebinding name cannot send it elsewhere), with SNI and Host
// still the name. Redirects are not followed: a 3xx is answered as is, for the caller to treat as an
// answer it did not expect (a Location elsewhere would need its own check). The answer is bounded in
// size and time.
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addr as ip, LbError, type addr, type ErrorCode, type Namespace } from '@lastbackend/sdk';
import { judge, parseAllow, targetOf, type Target } from './allow';
import { clusterRanges, HOST_RANGES, type ClusterAddresses } from './classify';

export const EGRESS_DEFAULTS = { timeoutMs: 10_000, maxBytes: 1024 * 1024 } as const;

/** A refused or failed outbound call. `refused`: the allow-list said no (trying again will not help). */
export class EgressError extends LbError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly refused: boolean,
  ) {
    super(code, message);
  }
}

/** A host's addresses (dns.lookup with all: what the system resolver, /etc/hosts included, answers). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;
const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

export interface EgressRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The whole call, connection to last byte (default 10s). */
  timeoutMs?: number;
  /** The largest answer read (default 1 MiB); a larger one fails the call. */
  maxBytes?: number;
}

export interface EgressResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface EgressOptions {
  /** The namespace's spec.egress.allow (undefined: the namespace is gone or allows nothing). */
  allowOf: (ns: string) => Promise<readonly string[] | undefined>;
  /** The cluster's own addresses, asked before each call (nodes come and go). */
  cluster?: () => Promise<ClusterAddresses>;
  resolve?: Resolver;
  /** CAs trusted for https instead of the system's (a test's own CA); the system's when absent. */
  ca?: string | Buffer;
}

/** Reads a namespace's allow-list from the store. */
export const allowFromStore =
  (get: (ns: string) => Promise<Namespace | undefined>) =>
  async (ns: string): Promise<readonly string[] | undefined> =>
    (await get(ns))?.spec.egress?.allow;

export class EgressGuard {
  private readonly resolve: Resolver;
  constructor(private readonly opts: EgressOptions) {
    this.resolve = opts.resolve ?? systemResolver;
  }

  /**
   * The addresses a call to `url` for namespace `ns` may connect to (all checked), or an EgressError saying why not.
   * Exposed for callers that only check (and for tests); fetch() uses it.
   */
  async check(ns: string, url: string): Promise<{ target: Target; addresses: addr.Addr[] }> {
    const refuse = (why: string) => new EgressError('FORBIDDEN', `egress to ${url} refused: ${why}`, true);
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw refuse('not a URL');
    }
    const target = targetOf(u);
    if (typeof target === 'string') throw refuse(target);
    if (u.username || u.password) throw refuse('a URL must not carry a user or password (send credentials in the headers)');
    const entries = parseAllow(await this.opts.allowOf(ns));
    if (!entries.length) throw refuse(`namespace "${ns}" allows no egress (an admin sets spec.egress.allow)`);
    let resolved: addr.Addr[];
    if (target.addr) resolved = [target.addr];
    else {
      try {
        resolved = (await this.resolve(target.host)).flatMap((r) => {
          const a = ip.parseAddr(r.address);
          return a ? [a] : [];
        });
      } catch (e) {
        throw new EgressError('UNAVAILABLE', `egress to ${url} failed: cannot resolve ${target.host}: ${(e as Error).message}`, false);
      }
    }
    const ranges = [...HOST_RANGES, ...(this.opts.cluster ? clusterRanges(await this.opts.cluster()) : [])];
    const verdict = judge(ns, target, entries, resolved, ranges);
    if (!verdict.ok) throw refuse(verdict.reason);
    return { target, addresses: resolved };
  }

  /** Calls `url` for namespace `ns` once checked, connected to the checked address. Redirects are answered as is. */
  async fetch(ns: string, url: string, req: EgressRequest = {}): Promise<EgressResponse> {
    const { target, addresses } = await this.check(ns, url);
    return send(url, target, addresses, req, this.opts.ca);
  }
}

function send(url: string, t: Target, checked: addr.Addr[], req: EgressRequest, ca?: string | Buffer): Promise<EgressResponse> {
  const timeoutMs = req.timeoutMs ?? EGRESS_DEFAULTS.timeoutMs;
  const maxBytes = req.maxBytes ?? EGRESS_DEFAULTS.maxBytes;
  const method = (req.method ?? 'GET').toUpperCase();
  const fail = (code: ErrorCode, why: string) => new EgressError(code, `egress ${method} ${url} failed: ${why}`, false);
  const all = checked.map((a) => ({ address: ip.formatAddr(a), family: a.family }));
  const address = all[0]!.address;
  // The connection goes to the checked addresses (all of them when node asks for all, to try each in
  // turn), whatever the name would resolve to now.
  const lookup: LookupFunction = (_host, options, cb) => {
    if ((options as dns.LookupOptions).all) (cb as unknown as (e: null, r: dns.LookupAddress[]) => void)(null, all);
    else cb(null, address, all[0]!.family);
  };
  const mod = t.protocol === 'https:' ? https : http;
  return new Promise<EgressResponse>((resolve, reject) => {
    let done = false;
    const finish = (e: EgressError | undefined, r?: EgressResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (e) {
        request.destroy();
        reject(e);
      } else resolve(r!);
    };
    const request = mod.request(
      {
        protocol: t.protocol,
        host: t.addr ? address : t.host,
        port: t.port,
        path: t.path,
        method,
        headers: req.headers,
        lookup,
        // A fresh connection per call: a pooled socket could have been opened to another address.
        agent: false,
        ...(t.protocol === 'https:' && !t.addr ? { servername: t.host } : {}),
        ...(ca ? { ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) return finish(fail('PAYLOAD_TOO_LARGE', `the answer is larger than ${maxBytes} bytes`));
          chunks.push(c);
        });
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (e) => finish(fail('UNAVAILABLE', e.message)));
      },
    );
    const timer = setTimeout(() => finish(fail('TIMEOUT', `no complete answer within ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (e) => finish(fail('UNAVAILABLE', e.message)));
    request.end(req.body);
  });
}
