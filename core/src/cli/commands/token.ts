// `lb token create|ls|delete`: join tokens for nodes (`lb agent --token`).
import type { Command } from 'commander';
import { LbError } from '@lastbackend/sdk/errors';
import { parseWholeNumber } from '../args';
import { CliContext } from '../context';
import { formatAge, renderTable } from '../output';

export function registerToken(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('join tokens for nodes');
  token
    .command('create')
    .description('make a join token; prints it once (only its hash is stored)')
    .option('--role <role>', 'what the token may do: node (join a node)', 'node')
    .option('--ttl <seconds>', 'expire after this many seconds')
    .option('--description <text>', 'what it is for')
    .action(async (opts: { role: string; ttl?: string; description?: string }) => {
      if (opts.role !== 'node') throw new LbError('INVALID_ARGUMENT', `role: must be "node", not "${opts.role}"`);
      const t = await ctx.client().createToken({
        role: 'node',
        ...(opts.ttl !== undefined ? { ttl: parseWholeNumber(opts.ttl, 'ttl') } : {}),
        ...(opts.description ? { description: opts.description } : {}),
      });
      ctx.out(t.token);
    });
  token
    .command('ls')
    .description('list join tokens (without their secrets)')
    .action(async () => {
      const list = await ctx.client().tokens();
      ctx.out(renderTable(['ID', 'ROLE', 'AGE', 'EXPIRES', 'DESCRIPTION'], list.map((t) => [t.id, t.role, formatAge(t.created), t.expires ?? 'never', t.description ?? ''])).trimEnd());
    });
  token
    .command('delete')
    .description('revoke a join token (nodes that joined with it keep their own credentials)')
    .argument('<id>', 'token id (the part after "lbj.")')
    .action(async (id: string) => {
      await ctx.client().deleteToken(id);
      ctx.out(`token/${id} deleted`);
    });
}
