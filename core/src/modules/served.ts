// Where `lb server` serves its API, and with which admin token: worked out before any module starts,
// as the TLS certificate, the local agent and the CLI config all need it.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostAddresses } from '../agent/node-info';
import { MAX_SOCKET_PATH, parseListen, type KernelConfig } from '../config/config';

export interface Served {
  host: string;
  port: number;
  /** The URL this server's own clients use (loopback when listening on all addresses). */
  url: string;
  /** The URL other servers reach it at (for logs). */
  announced: string;
  /** The addresses its certificate must cover. */
  addresses: string[];
  /** name@announced: this server in the leader election. */
  serverId: string;
  /** The admin token. */
  token: string;
  /** The API's unix socket (config `socket`), when there is one, and its URL for clients (unix:///…). */
  socket?: { path: string; url: string };
  /** The token was generated (not given in the config): the CLI config gets written. */
  generated: boolean;
  /** A generated token's file gets the rotated one (`lb token rotate`), so a restart writes a working CLI config. */
  keep?: (token: string) => void;
}

export function servedBy(cfg: KernelConfig): Served {
  const { token, generated } = adminToken(cfg);
  const { host, port } = parseListen(cfg.listen);
  const wildcard = host === '0.0.0.0' || host === '::';
  const addresses = wildcard ? [...(cfg.node.address ? [cfg.node.address] : []), ...hostAddresses()] : [host];
  const at = (h: string) => `${cfg.tls.enabled ? 'https' : 'http'}://${h.includes(':') ? `[${h}]` : h}:${port}`;
  const url = at(wildcard ? '127.0.0.1' : host);
  const announced = wildcard ? at(addresses[0] ?? '127.0.0.1') : url;
  const file = join(cfg.data_dir, 'token');
  const keep = generated ? (t: string) => writeFileSync(file, t + '\n', { mode: 0o600 }) : undefined;
  const socket = socketPath(cfg);
  return { host, port, url, announced, addresses, serverId: `${cfg.node.name}@${announced}`, token, generated, ...(keep ? { keep } : {}), ...(socket ? { socket: { path: socket, url: `unix://${socket}` } } : {}) };
}

/** The configured socket, else <data dir>/api.sock when its path fits a unix socket's; none for "". */
function socketPath(cfg: KernelConfig): string | undefined {
  if (cfg.socket !== undefined) return cfg.socket || undefined;
  const path = join(cfg.data_dir, 'api.sock');
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH ? path : undefined;
}

/** The admin token: from the config, else the one generated earlier in the data dir, else a new one. */
function adminToken(cfg: KernelConfig): { token: string; generated: boolean } {
  if (cfg.token) return { token: cfg.token, generated: false };
  const file = join(cfg.data_dir, 'token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: true };
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, generated: true };
}
