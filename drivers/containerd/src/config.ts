import { z } from 'zod';

export const DEFAULT_ADDRESS = '/run/containerd/containerd.sock';

/**
 * Driver configuration. Strict: unknown fields are rejected, so a typo does not silently fall back to a default.
 * - address: containerd's gRPC unix socket.
 * - namespace: containerd namespace that holds the platform's containers, images and snapshots.
 * - snapshotter / runtime: what containers are unpacked into and run with.
 * - insecure_registries: host or host:port prefixes pulled over plain http (everything else is https).
 */
export const configSchema = z.strictObject({
  address: z.string().min(1).default(DEFAULT_ADDRESS),
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/, 'a containerd namespace: letters, digits and . _ - between them')
    .default('lastbackend'),
  snapshotter: z.string().min(1).default('overlayfs'),
  runtime: z.string().min(1).default('io.containerd.runc.v2'),
  insecure_registries: z.array(z.string().min(1)).default(['127.0.0.1', 'localhost']),
});

export type ContainerdDriverConfig = z.output<typeof configSchema>;
