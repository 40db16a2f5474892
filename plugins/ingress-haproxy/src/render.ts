// Pure rendering: ingress routes → haproxy configuration text. No I/O here; ingress.ts writes the files,
// haproxy.ts checks and reloads them.
//
// Layout of the rendered config:
//   - frontend `http` (and `https` when an https listener is configured AND at least one accepted route
//     carries a certificate: with no certificate at all the https bind is omitted, because haproxy refuses
//     `ssl crt <dir>` on an empty directory and we do not want to invent a default certificate);
//   - the request host is `Host` lowercased with the port stripped (on https, the SNI when no Host is sent),
//     kept in `txn.host`;
//   - one `use_backend` line per (route, rule), ordered by path length (longest prefix first), so the longest
//     matching prefix wins across all routes of a host;
//   - on the http frontend, rules of routes with `tls.redirect` go to `lb_redirect_https` (301 to https,
//     same host and URI, https port added when it is not 443) instead of their backend: the redirect follows
//     the same longest-prefix decision as the routing itself;
//   - one backend per (route, rule), `balance roundrobin`, servers = the rule's backends; a rule without
//     backends answers 503 itself; unknown host/path → `lb_not_found` (404).
import { isIP } from 'node:net';
import type { IngressBackend, IngressRoute, RejectedRoute } from '@lastbackend/sdk';

// The route types are the SDK's ingress contract (any ingress plugin gets the same routes).
export type { IngressBackend, IngressRoute, IngressRule, RejectedRoute } from '@lastbackend/sdk';

/** A route that passed validation, normalised (lowercase hosts, stable names). */
export interface AcceptedRoute {
  key: string;
  route: IngressRoute;
  hosts: string[];
  rules: { path: string; backend: string; servers: IngressBackend[] }[];
  /** File name of the route's PEM (cert + key) inside the certificate directory, when it has TLS. */
  pemFile?: string;
  /** cert + key, concatenated, when the route has TLS. */
  pem?: string;
}

export interface RenderSettings {
  http: { host: string; port: number };
  https?: { host: string; port: number };
  /** Absolute directory holding one PEM per TLS route (haproxy picks by SNI). */
  certDir: string;
  pidFile?: string;
}

export const NOT_FOUND_BACKEND = 'lb_not_found';
export const REDIRECT_BACKEND = 'lb_redirect_https';

export const routeKey = (r: { namespace: string; name: string }): string => `${r.namespace}/${r.name}`;

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Normalise a host name (trim, lowercase, drop one trailing dot) or return why it is not acceptable. */
export function normalizeHost(raw: unknown): { host: string } | { error: string } {
  if (typeof raw !== 'string') return { error: 'host must be a string' };
  let h = raw.trim().toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === '') return { error: 'empty host' };
  if (h.includes('*')) return { error: `host ${JSON.stringify(raw)}: wildcard hosts are not supported` };
  if (h.includes(':')) return { error: `host ${JSON.stringify(raw)}: a host carries no port (and IPv6 literals are not supported)` };
  if (h.length > 253) return { error: `host ${JSON.stringify(raw)}: longer than 253 characters` };
  if (!h.split('.').every((l) => LABEL.test(l))) {
    return { error: `host ${JSON.stringify(raw)}: not a valid DNS name (labels of a-z, 0-9, '-')` };
  }
  return { host: h };
}

// RFC 3986 path characters minus those haproxy's config parser treats specially (quotes, '\', '#', '$', '{', '}').
const PATH = /^\/[A-Za-z0-9\-._~!&()*+,;=:@%/]*$/;

export function validatePath(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return 'path must be a string';
  if (!raw.startsWith('/')) return `path ${JSON.stringify(raw)}: must start with '/'`;
  if (raw.length > 1024) return `path ${JSON.stringify(raw).slice(0, 40)}…: longer than 1024 characters`;
  if (!PATH.test(raw)) {
    return `path ${JSON.stringify(raw)}: only RFC 3986 path characters are allowed (no spaces, quotes, '?', '#', '\\', '$', braces)`;
  }
  return undefined;
}

function validateBackend(b: unknown, where: string): string | undefined {
  if (!b || typeof b !== 'object') return `${where}: backend must be an object`;
  const { ip, port } = b as IngressBackend;
  if (typeof ip !== 'string' || isIP(ip) === 0) return `${where}: ip ${JSON.stringify(ip)} is not an IP address`;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `${where}: port ${JSON.stringify(port)} is not 1-65535`;
  return undefined;
}

const sanitize = (s: string): string => s.toLowerCase().replace(/[^a-z0-9_.-]/g, '_').slice(0, 60);

/**
 * Validate and normalise routes. Routes are considered in key order (namespace/name) so the outcome does not
 * depend on the caller's ordering; a (host, path) pair already claimed by an earlier route rejects the later one.
 */
export function validateRoutes(
  routes: IngressRoute[],
  opts: { https: boolean } = { https: true },
): { accepted: AcceptedRoute[]; rejected: RejectedRoute[] } {
  const accepted: AcceptedRoute[] = [];
  const rejected: RejectedRoute[] = [];
  const seenKeys = new Set<string>();
  const claimed = new Map<string, string>(); // host + ' ' + path → route key
  const usedNames = new Set<string>();
  const sorted = [...routes].sort((a, b) => (routeKey(a) < routeKey(b) ? -1 : routeKey(a) > routeKey(b) ? 1 : 0));

  for (const r of sorted) {
    const key = r && typeof r === 'object' ? routeKey(r) : String(r);
    const reject = (reason: string) => rejected.push({ route: key, reason });
    if (!r || typeof r !== 'object') {
      reject('route must be an object');
      continue;
    }
    if (typeof r.namespace !== 'string' || r.namespace === '' || typeof r.name !== 'string' || r.name === '') {
      reject('namespace and name are required');
      continue;
    }
    if (/[\s"'\\#]/.test(key)) {
      reject('namespace and name must not contain spaces, quotes, "\\" or "#"');
      continue;
    }
    if (seenKeys.has(key)) {
      reject('duplicate route (same namespace/name given twice)');
      continue;
    }
    seenKeys.add(key);

    if (!Array.isArray(r.hosts) || r.hosts.length === 0) {
      reject('at least one host is required');
      continue;
    }
    const hosts: string[] = [];
    let err: string | undefined;
    for (const h of r.hosts) {
      const n = normalizeHost(h);
      if ('error' in n) {
        err = n.error;
        break;
      }
      if (!hosts.includes(n.host)) hosts.push(n.host);
    }
    if (err) {
      reject(err);
      continue;
    }

    if (!Array.isArray(r.rules) || r.rules.length === 0) {
      reject('at least one rule is required');
      continue;
    }
    const paths = new Set<string>();
    for (const [i, rule] of r.rules.entries()) {
      if (!rule || typeof rule !== 'object') {
        err = `rules[${i}]: must be an object`;
        break;
      }
      err = validatePath(rule.path);
      if (err) break;
      if (paths.has(rule.path)) {
        err = `path ${JSON.stringify(rule.path)} appears twice`;
        break;
      }
      paths.add(rule.path);
      if (!Array.isArray(rule.backends)) {
        err = `rules[${i}]: backends must be an array`;
        break;
      }
      for (const [j, b] of rule.backends.entries()) {
        err = validateBackend(b, `rules[${i}].backends[${j}]`);
        if (err) break;
      }
      if (err) break;
    }
    if (err) {
      reject(err);
      continue;
    }

    if (r.tls !== undefined) {
      if (!opts.https) {
        reject('tls requested but the ingress has no https listener');
        continue;
      }
      if (typeof r.tls !== 'object' || typeof r.tls.cert !== 'string' || typeof r.tls.key !== 'string') {
        reject('tls needs cert and key (PEM strings)');
        continue;
      }
      if (!r.tls.cert.trim() || !r.tls.key.trim()) {
        reject('tls cert and key must not be empty');
        continue;
      }
    }

    const conflict = hosts.flatMap((h) => r.rules.map((rule) => claimed.get(`${h} ${rule.path}`)).filter((x) => x));
    if (conflict.length > 0) {
      reject(`host/path already routed by ${conflict[0]}`);
      continue;
    }
    for (const h of hosts) for (const rule of r.rules) claimed.set(`${h} ${rule.path}`, key);

    let base = `be_${sanitize(r.namespace)}.${sanitize(r.name)}`;
    if (usedNames.has(base)) {
      let n = 2;
      while (usedNames.has(`${base}~${n}`)) n++;
      base = `${base}~${n}`;
    }
    usedNames.add(base);
    const rules = r.rules.map((rule, i) => ({
      path: rule.path,
      backend: `${base}.${i}`,
      servers: rule.backends.map((b) => ({ ip: b.ip, port: b.port })),
    }));
    const tls = r.tls;
    accepted.push({
      key,
      route: r,
      hosts,
      rules,
      ...(tls
        ? {
            pemFile: `${base.slice(3).replace(/~/g, '_')}.pem`,
            pem: `${tls.cert.trim()}\n${tls.key.trim()}\n`,
          }
        : {}),
    });
  }
  return { accepted, rejected };
}

const addr = (h: string, port: number) => (isIP(h) === 6 ? `[${h}]:${port}` : `${h}:${port}`);

interface Line {
  path: string;
  hosts: string[];
  backend: string;
  redirect: boolean;
  order: string;
}

/** Routing lines for every (route, rule): longest path first, then route key, then rule order. */
export function routingOrder(routes: AcceptedRoute[]): Line[] {
  const lines: Line[] = [];
  for (const r of routes) {
    r.rules.forEach((rule, i) =>
      lines.push({
        path: rule.path,
        hosts: r.hosts,
        backend: rule.backend,
        redirect: !!r.route.tls?.redirect,
        order: `${r.key}\u0000${String(i).padStart(6, '0')}`,
      }),
    );
  }
  return lines.sort((a, b) => b.path.length - a.path.length || (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
}

function useBackend(l: Line, backend: string): string {
  const cond = [`{ var(txn.host) -m str ${l.hosts.join(' ')} }`];
  if (l.path !== '/') cond.push(`{ path_beg ${l.path} }`);
  return `    use_backend ${backend} if ${cond.join(' ')}`;
}

/** Render the whole configuration for already-validated routes. */
export function renderConfig(routes: AcceptedRoute[], s: RenderSettings): string {
  const tlsRoutes = routes.filter((r) => r.pem);
  const https = s.https && tlsRoutes.length > 0 ? s.https : undefined;
  const lines = routingOrder(routes);
  const out: string[] = [];
  out.push(
    '# Rendered by @lastbackend/plugin-ingress-haproxy. Do not edit: replaced on every apply().',
    `# routes: ${routes.map((r) => r.key).join(', ') || '(none)'}`,
    'global',
    ...(s.pidFile ? [`    pidfile ${s.pidFile}`] : []),
    '    log stderr format raw local0 notice',
    '    hard-stop-after 60s',
    '    tune.ssl.default-dh-param 2048',
    '',
    'defaults',
    '    mode http',
    '    log global',
    '    option dontlognull',
    '    timeout connect 5s',
    '    timeout client 30s',
    '    timeout server 30s',
    '    timeout http-request 10s',
    '    timeout http-keep-alive 10s',
    '    retries 2',
    '    option redispatch',
    '',
    'frontend http',
    `    bind ${addr(s.http.host, s.http.port)}`,
    '    http-request set-var(txn.host) req.hdr(host),field(1,:),lower',
  );
  for (const l of lines) out.push(useBackend(l, l.redirect && https ? REDIRECT_BACKEND : l.backend));
  out.push(`    default_backend ${NOT_FOUND_BACKEND}`, '');

  if (https) {
    out.push(
      'frontend https',
      `    bind ${addr(https.host, https.port)} ssl crt ${s.certDir} alpn h2,http/1.1`,
      '    http-request set-var(txn.host) req.hdr(host),field(1,:),lower',
      '    http-request set-var(txn.host) ssl_fc_sni,lower if !{ req.hdr(host) -m found }',
      '    http-request set-header X-Forwarded-Proto https',
    );
    for (const l of lines) out.push(useBackend(l, l.backend));
    out.push(`    default_backend ${NOT_FOUND_BACKEND}`, '');
  }

  out.push(
    `backend ${NOT_FOUND_BACKEND}`,
    '    http-request return status 404 content-type text/plain string "no route for this host and path"',
    '',
  );
  if (https && lines.some((l) => l.redirect)) {
    const port = https.port === 443 ? '' : `:${https.port}`;
    out.push(
      `backend ${REDIRECT_BACKEND}`,
      `    http-request redirect location https://%[var(txn.host)]${port}%[url] code 301`,
      '',
    );
  }
  for (const r of routes) {
    for (const rule of r.rules) {
      out.push(`# ${r.key} ${rule.path}`, `backend ${rule.backend}`);
      if (rule.servers.length === 0) {
        out.push('    http-request return status 503 content-type text/plain string "no backends for this route"');
      } else {
        out.push('    balance roundrobin');
        rule.servers.forEach((b, i) => out.push(`    server s${i} ${addr(b.ip, b.port)}`));
      }
      out.push('');
    }
  }
  return out.join('\n');
}
