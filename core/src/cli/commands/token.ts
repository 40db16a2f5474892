// `lb token create|ls|revoke`: join tokens for nodes (`lb agent --token`). A token is used up by its
// first join unless --uses says more, and expires (default 24 h).
import type { Command } from 'commander';
import { LbError } from '@lastbackend/sdk/errors';
import { parseDuration, parseWholeNumber } from '../args';
import { CliContext } from '../context';
import { formatAge, renderTable } from '../output';

interface CreateOptions {
  role: string;
  ttl?: string;
  uses?: string;
  node?: string;
  description?: string;
}

export function registerToken(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('join tokens for nodes');
  token
    .command('create')
    .description('make a join token; prints it once (only its hash is stored)')
    .option('--role <role>', 'what the token may do: node (join one node)', 'node')
    .option('--ttl <duration>', 'expire after this long: 90m, 24h, 30d (default 24h)')
    .option('--uses <n>', 'how many joins it allows (default 1)')
    .option('--node <name>', 'only a node of this name may join with it')
    .option('--description <text>', 'what it is for')
    .action(async (opts: CreateOptions) => {
      if (opts.role !== 'node') throw new LbError('INVALID_ARGUMENT', `role: must be "node", not "${opts.role}"`);
      const t = await ctx.client().createToken({
        role: 'node',
        ...(opts.ttl !== undefined ? { ttl: parseDuration(opts.ttl, 'ttl') } : {}),
        ...(opts.uses !== undefined ? { uses: parseWholeNumber(opts.uses, 'uses') } : {}),
        ...(opts.node ? { node: opts.node } : {}),
        ...(opts.description ? { description: opts.description } : {}),
      });
      ctx.out(t.token);
    });
  token
    .command('ls')
    .description('list live join tokens (without their secrets): uses left and expiry')
    .action(async () => {
      const list = await ctx.client().tokens();
      ctx.out(
        renderTable(
          ['ID', 'ROLE', 'NODE', 'USES LEFT', 'AGE', 'EXPIRES', 'DESCRIPTION'],
          list.map((t) => [t.id, t.role, t.node ?? '*', String(t.uses_left), formatAge(t.created), t.expires, t.description ?? '']),
        ).trimEnd(),
      );
    });
  token
    .command('revoke')
    .alias('delete')
    .description('end a join token at once (nodes that joined with it keep their own credentials)')
    .argument('<id>', 'token id (the part after "lbj.")')
    .action(async (id: string) => {
      await ctx.client().revokeToken(id);
      ctx.out(`token/${id} revoked`);
    });
}
