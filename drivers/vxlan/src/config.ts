import { z } from 'zod';

/** Linux interface names are at most 15 bytes. */
const ifname = z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, 'a Linux interface name: 1-15 of [A-Za-z0-9_.-]');

/**
 * Driver configuration. Strict: unknown fields are rejected, so a typo does not silently fall back to a default.
 * - bridge: node bridge the pods' veths are enslaved to; it carries the pod gateway (.1 of the node subnet).
 * - vxlan: the VXLAN device (VTEP) joining nodes.
 * - vni: VXLAN network identifier; all nodes of a cluster must agree.
 * - port: UDP destination port of the overlay (4789 is the IANA port).
 * - mtu: MTU of the overlay devices and pod interfaces; default: the underlay interface's MTU minus 50.
 */
export const configSchema = z.strictObject({
  bridge: ifname.default('lb0'),
  vxlan: ifname.default('lb.vxlan'),
  vni: z.number().int().min(1).max(16777215).default(1),
  port: z.number().int().min(1).max(65535).default(4789),
  mtu: z.number().int().min(576).max(65535).optional(),
});

export type VxlanDriverConfig = z.output<typeof configSchema>;
