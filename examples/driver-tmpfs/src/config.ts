import { z } from 'zod';

export const MiB = 1024 * 1024;

/**
 * Driver configuration (strict: unknown fields are refused).
 * - root: absolute directory the driver mounts its tmpfs at (created when missing). Required.
 * - size: bytes of the tmpfs (`mount -o size=`), and the total capacity volumes may reserve. Default 64 MiB.
 */
export const configSchema = z.strictObject({
  root: z
    .string()
    .min(2, 'an absolute path below /')
    .startsWith('/', 'an absolute path')
    .refine((p) => !p.split('/').includes('..'), 'must not contain ".." segments')
    .refine((p) => !p.includes('\0') && !/[\s,]/.test(p), 'must not contain NUL, whitespace or commas'),
  size: z.number().int().min(MiB, 'at least 1 MiB').default(64 * MiB),
});

export type TmpfsDriverConfig = z.output<typeof configSchema>;
