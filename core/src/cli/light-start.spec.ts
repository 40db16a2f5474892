// What `lb version`, `lb --help` and `lb run` load: never the schemas (zod), nor the server (Nest). Either
// takes longer to load than node takes to start, and start-up is part of every command's latency.
import { Readable } from 'node:stream';

jest.mock('zod', () => {
  throw new Error('zod loaded');
});
jest.mock('@nestjs/core', () => {
  throw new Error('nest loaded');
});

async function lb(...args: string[]) {
  const { main } = require('./main') as typeof import('./main');
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'lb', ...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]),
    env: { LB_SERVER: 'http://127.0.0.1:9', LB_CLI_CONFIG: '/nonexistent/cli.json' },
    onInterrupt: () => () => undefined,
  });
  return { code, stdout, stderr };
}

describe('start-up loads no schemas and no server', () => {
  it('lb --help', async () => {
    expect((await lb('--help')).code).toBe(0);
  });

  it('lb version, the server unreachable', async () => {
    expect(await lb('version')).toEqual({ code: 0, stdout: expect.stringMatching(/^lb \S+\n$/), stderr: 'server not reachable at http://127.0.0.1:9\n' });
  });

  it('lb run, up to the server', async () => {
    const r = await lb('run', 'web', 'nginx:1');
    expect(r.stderr).toMatch(/cannot reach the API server/);
    expect(r.code).toBe(1);
    // The modules it uses once the server answers: the rollout's tracking and rendering.
    expect(() => require('./rollout/wait')).not.toThrow();
  });

  it('the guard works: the schemas do load zod', () => {
    expect(() => require('@lastbackend/sdk')).toThrow('zod loaded');
  });
});
