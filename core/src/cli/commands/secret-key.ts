// `lb secret-key rotate`: every secret re-sealed under a new key while the server serves (the server's
// state/secret-key-rotation.ts); prints the new key's id (a hash prefix, never the key).
import type { Command } from 'commander';
import type { CliContext } from '../context';

export function registerSecretKey(program: Command, ctx: CliContext): void {
  const key = program.command('secret-key').description('the key that seals secrets at rest: rotate it online (admin only)');
  key
    .command('rotate')
    .description('seal every secret under a new key, online; the old key is dropped once nothing needs it')
    .action(async () => {
      const r = await ctx.client().rotateSecretKey();
      ctx.out(`secret key rotated: key ${r.key_id}, ${r.resealed} object(s) re-sealed`);
    });
}
