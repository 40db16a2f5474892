import { z } from 'zod';

/**
 * Driver configuration (strict: unknown fields are refused). Everything has a default.
 * - images: references present from the start (others are "pulled" on demand, instantly).
 * - registries: registries pulls succeed from; a reference naming any other registry fails as unreachable.
 * - command: the default command of every image (an image record has no config of its own).
 * - logLines: lines of output kept per container (the oldest go first), which bounds memory per container.
 */
export const configSchema = z.strictObject({
  images: z.array(z.string().min(1)).default([]),
  registries: z.array(z.string().min(1)).default(['docker.io']),
  command: z.array(z.string()).min(1).default(['httpd', '-f', '-p', '8080']),
  logLines: z.number().int().min(1).max(100_000).default(1000),
});

export type MemoryDriverConfig = z.output<typeof configSchema>;
