import { randomBytes } from 'node:crypto';

// Random names (a pod's suffix) by the thousand: each randomBytes() call goes into OpenSSL, which cost
// more than the rest of making a pod at 10,000 pods. The bytes are drawn a pool at a time; each is
// handed out once.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let at = 0;

/** `bytes` cryptographically random bytes as lowercase hex (2 characters each). */
export function randomHex(bytes: number): string {
  if (bytes > POOL_BYTES) return randomBytes(bytes).toString('hex');
  if (at + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    at = 0;
  }
  const hex = pool.toString('hex', at, at + bytes);
  at += bytes;
  return hex;
}
