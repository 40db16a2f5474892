import { z } from 'zod';

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * Driver configuration. Strict: unknown fields are rejected, so a typo does not silently fall back to a default.
 * - socket: unix socket of the engine (used unless `host` is set).
 * - host: engine URL instead of the socket, e.g. "tcp://10.0.0.5:2375", "http://…", "https://…".
 * - timeout: per-request timeout in milliseconds for short API calls (never applied to log/event/exec streams).
 */
export const configSchema = z.strictObject({
  socket: z.string().min(1).default(DEFAULT_SOCKET),
  host: z.string().min(1).optional(),
  timeout: z.number().int().positive().optional(),
});

export type DockerDriverConfig = z.output<typeof configSchema>;
