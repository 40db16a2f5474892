// The ingress capability: an HTTP(S) proxy fed the cluster's routes (host, path prefix, backends, TLS).
// `lb server` turns Route objects and their services' endpoints into IngressRoutes and applies them; the
// plugin runs the proxy (haproxy, nginx, Traefik …) and says which routes it refused, and why.
import type { DriverLogger } from '../drivers/define';

export interface IngressBackend {
  ip: string;
  port: number;
}
export interface IngressRule {
  /** Path prefix, starting with '/'; '/' matches everything. */
  path: string;
  /** Balanced between; a rule without backends answers 503. */
  backends: IngressBackend[];
}
export interface IngressRoute {
  namespace: string;
  name: string;
  /**
   * Exact DNS names; requests match on Host (any letter case, port stripped) or SNI. A route with a host
   * that is not a DNS name or a path that does not start with '/' is rejected. Unknown hosts get 404.
   */
  hosts: string[];
  /** Longest path prefix wins. */
  rules: IngressRule[];
  tls?: { cert: string; key: string /* PEM */; redirect: boolean /* http → https 301 */ };
}

/** A route the proxy did not take, named "<namespace>/<name>". */
export interface RejectedRoute {
  route: string;
  reason: string;
}

export interface IngressApplyResult {
  /** "<namespace>/<name>" of every route now served. */
  applied: string[];
  rejected: RejectedRoute[];
}

export interface IngressProxyOptions {
  /** A directory of the plugin's own (created 0700) for its configuration, certificates and sockets. */
  workDir: string;
  http: { host: string; port: number };
  https?: { host: string; port: number };
  logger: DriverLogger;
  /** The plugin's own settings (`ingress.config` in the config); the plugin validates them. */
  config: Record<string, unknown>;
}

export interface IngressProxy {
  /** Starts the proxy with no routes (404 for everything). */
  start(): Promise<void>;
  /**
   * Replaces the whole route set. A route the proxy refuses is left out and reported, never the whole set;
   * rejects only when nothing could be applied (the running configuration then stays).
   */
  apply(routes: IngressRoute[]): Promise<IngressApplyResult>;
  /** Stops the proxy; safe to call twice. */
  stop(): Promise<void>;
}

export type IngressFactory = (opts: IngressProxyOptions) => IngressProxy;
