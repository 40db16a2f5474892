import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Driver configuration (strict: unknown fields are refused).
 * - bind: where each TCP service listens. "vip" (the default) listens on the service's own VIP, which
 *   must then be an address of this host (e.g. on lo: `ip addr add 10.96.0.10/32 dev lo`). Any other
 *   value is an IP address every service listens on instead, on the service's port (e.g. "0.0.0.0");
 *   two TCP services on the same port then collide and are refused.
 */
export const configSchema = z.strictObject({
  bind: z
    .string()
    .refine((v) => v === 'vip' || isIP(v) !== 0, '"vip" or an IP address')
    .default('vip'),
});

export type UserproxyConfig = z.output<typeof configSchema>;
