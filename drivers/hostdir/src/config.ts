import { z } from 'zod';

/**
 * Driver configuration. Strict: unknown fields are rejected.
 * - root: directory holding the volumes (absolute). Default: `<stateDir>/volumes`, resolved when the driver
 *   is created from the DriverContext.
 * - capacity: bytes this node offers to volumes in total (the sum of all volume capacities may not exceed it).
 *   Default: the size of the file system holding root (statfs).
 */
export const configSchema = z.strictObject({
  root: z.string().min(1).startsWith('/', 'an absolute path').optional(),
  capacity: z.number().int().positive().optional(),
});

export type HostdirDriverConfig = z.output<typeof configSchema>;
