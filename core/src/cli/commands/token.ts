// `lb token create|ls|revoke`: join tokens for nodes (`lb agent --token`, role node: used up by its
// first join unless --uses says more, expires in 24 h by default) and API tokens for people and CI
// (role admin, deployer or viewer, optionally limited to namespaces; expire in 30 days by default).
import type { Command } from 'commander';
import type { TokenRole } from '@lastbackend/sdk';
import { parseDuration, parseWholeNumber } from '../args';
import { CliContext, usage } from '../context';
import { formatAge, renderTable } from '../output';

interface CreateOptions {
  role: string;
  ttl?: string;
  uses?: string;
  node?: string;
  namespace?: string[];
  description?: string;
}

const ROLES: readonly TokenRole[] = ['node', 'admin', 'deployer', 'viewer'];
const isRole = (r: string): r is TokenRole => (ROLES as readonly string[]).includes(r);
const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerToken(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('tokens: join tokens for nodes, API tokens with a role (admin only)');
  token
    .command('create')
    .description('make a token; prints it once (only its hash is stored)')
    .option('--role <role>', 'node: join one node; admin: everything; deployer: apply, scale, exec, logs in its namespaces; viewer: read, logs included', 'node')
    .option('--namespace <ns>', 'deployer and viewer only: the namespaces it may act in and see (repeatable; none: all)', collect)
    .option('--ttl <duration>', 'expire after this long: 90m, 24h, 30d (default 24h for node, 30d for the others)')
    .option('--uses <n>', 'node only: how many joins it allows (default 1)')
    .option('--node <name>', 'node only: only a node of this name may join with it')
    .option('--description <text>', 'who or what it is for: the name it acts under in errors and the audit trail')
    .action(async (opts: CreateOptions) => {
      if (!isRole(opts.role)) throw usage(`role: must be node, admin, deployer or viewer, not "${opts.role}"`);
      const t = await ctx.client().createToken({
        role: opts.role,
        ...(opts.ttl !== undefined ? { ttl: parseDuration(opts.ttl, 'ttl') } : {}),
        ...(opts.uses !== undefined ? { uses: parseWholeNumber(opts.uses, 'uses') } : {}),
        ...(opts.node ? { node: opts.node } : {}),
        ...(opts.namespace?.length ? { namespaces: opts.namespace } : {}),
        ...(opts.description ? { description: opts.description } : {}),
      });
      ctx.out(t.token);
    });
  token
    .command('ls')
    .description('list live tokens (without their secrets): role, namespaces, expiry, and uses left of join tokens')
    .action(async () => {
      const list = await ctx.client().tokens();
      ctx.out(
        renderTable(
          ['ID', 'ROLE', 'NAMESPACES', 'NODE', 'USES LEFT', 'AGE', 'EXPIRES', 'DESCRIPTION'],
          list.map((t) => [
            t.id,
            t.role,
            t.role === 'deployer' || t.role === 'viewer' ? (t.namespaces?.join(',') ?? '*') : '',
            t.role === 'node' ? (t.node ?? '*') : '',
            t.uses_left !== undefined ? String(t.uses_left) : '',
            formatAge(t.created),
            t.expires,
            t.description ?? '',
          ]),
        ).trimEnd(),
      );
    });
  token
    .command('rotate')
    .description('replace the admin token: prints the new one once and stores it in the context in use; the old one works until --grace ends')
    .option('--grace <duration>', 'how long the old admin token keeps working: 0s, 10m, 1h, 7d (default 1h)', '1h')
    .action(async (opts: { grace: string }) => {
      const grace = parseDuration(opts.grace, 'grace');
      const r = await ctx.client().rotateAdminToken(grace);
      const kept = ctx.keepToken(r.token);
      ctx.out(r.token);
      ctx.err(`the old admin token works until ${r.previous_valid_until}${kept ? `; context "${kept}" now holds the new one` : ' (LB_TOKEN or --token was used: no context was changed)'}`);
    });
  token
    .command('revoke')
    .alias('delete')
    .description('end a token at once (nodes that joined with a join token keep their own credentials)')
    .argument('<id>', 'token id (the part after "lbj." or "lbt.")')
    .action(async (id: string) => {
      await ctx.client().revokeToken(id);
      ctx.out(`token/${id} revoked`);
    });
}
