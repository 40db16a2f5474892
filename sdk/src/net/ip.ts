// Addresses that come from elsewhere (a node's report, a stored endpoint) are checked before they are
// stored, programmed or rendered: one malformed address must not reach a kernel table or a config file.
import { isIP } from 'node:net';

/** An IPv4 or IPv6 address as written: no zone id, no port, no brackets, no surrounding space. */
export function isIpAddress(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 45 && !v.includes('%') && isIP(v) !== 0;
}
