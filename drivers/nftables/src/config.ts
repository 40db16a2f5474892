import { z } from 'zod';

/** nft identifiers: a letter, then letters, digits, '_', '-' (kept short and shell/script-safe). */
const nftName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'an nftables name: a letter, then up to 31 of [A-Za-z0-9_-]');

/**
 * Driver configuration. Strict: unknown fields are rejected.
 * - table: the nftables table the driver owns (replaced as a whole on every setTable, never removed).
 * - family: address family of the table; only "ip" (IPv4 service addresses) is supported.
 * - nft: path of the nft binary.
 * - mark: packet-mark bit(s) set on service traffic; marked packets are masqueraded on the way out.
 */
export const configSchema = z.strictObject({
  table: nftName.default('lastbackend'),
  family: z.literal('ip').default('ip'),
  nft: z.string().startsWith('/', 'an absolute path').default('/usr/sbin/nft'),
  mark: z.number().int().min(1).max(0xffffffff).default(0x4c42),
});

export type NftablesDriverConfig = z.output<typeof configSchema>;
