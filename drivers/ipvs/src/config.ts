import { z } from 'zod';

/** Linux interface names are at most 15 bytes. */
const ifname = z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, 'a Linux interface name: 1-15 of [A-Za-z0-9_.-]');

/**
 * Driver configuration. Strict: unknown fields are rejected.
 * - interface: the dummy link VIPs are bound to as /32 addresses (created when missing). When the kernel
 *   has no dummy link type (or it is "lo"), VIPs go on `lo`, and only the ones this driver added are removed.
 */
export const configSchema = z.strictObject({
  interface: ifname.default('lb-ipvs'),
});

export type IpvsDriverConfig = z.output<typeof configSchema>;
