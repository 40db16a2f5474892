import { Readable } from 'node:stream';
import { parseTyped, want, matching } from './complete';
import { CliContext } from './context';
import { buildProgram } from './main';

const program = buildProgram(
  new CliContext({ stdout: { write: () => true }, stderr: { write: () => true }, stdin: Readable.from([]), env: {}, onInterrupt: () => () => undefined }),
);
/** What the last word takes after the others. */
const at = (...words: string[]) => want(parseTyped(program, words.slice(0, -1)), words[words.length - 1]);

describe('completion: what a position takes', () => {
  it('commands, then subcommands', () => {
    const top = at('');
    expect('words' in top && top.words).toEqual(expect.arrayContaining(['get', 'delete', 'exec', 'secret', 'completion', 'run']));
    expect('words' in top && top.words).not.toContain('__complete');
    expect(at('secret', '')).toEqual({ words: ['create'] });
    expect(at('--context', 'prod', 'token', '')).toEqual({ words: ['create', 'ls', 'rotate', 'revoke'] });
  });

  it('kinds, then names of the kind typed (in any of its spellings)', () => {
    expect(at('get', '')).toEqual({ words: ['namespaces', 'services', 'deployments', 'pods', 'nodes', 'secrets', 'configs', 'volumes', 'routes', 'endpoints', 'clusters', 'jobs', 'tasks'] });
    expect(at('delete', '')).toEqual({ words: ['namespaces', 'services', 'secrets', 'configs', 'volumes', 'routes', 'nodes', 'jobs'] });
    expect(at('get', 'svc', 'w')).toEqual({ names: 'service' });
    expect(at('inspect', '-n', 'demo', 'pods', '')).toEqual({ names: 'pod' });
    expect(at('get', 'cluster', '')).toEqual({ nothing: true });
    expect(at('get', 'gadgets', '')).toEqual({ nothing: true });
    expect(at('get', 'svc', 'web', '')).toEqual({ nothing: true });
  });

  it('services, pods and contexts where commands take them', () => {
    expect(at('scale', '')).toEqual({ names: 'service' });
    expect(at('logs', '-f', '')).toEqual({ names: 'service' });
    expect(at('rollout', 'status', '')).toEqual({ names: 'service' });
    expect(at('rollout', '')).toEqual({ words: ['status'] });
    expect(at('exec', '')).toEqual({ names: 'pod-or-service' });
    expect(at('exec', 'web', '--', '')).toEqual({ nothing: true });
    expect(at('context', 'use', '')).toEqual({ names: 'context' });
    expect(at('completion', '')).toEqual({ words: ['bash', 'zsh', 'fish'] });
  });

  it('flags of the command, global ones included; their values', () => {
    const flags = at('get', 'pods', '--');
    expect('words' in flags && flags.words).toEqual(expect.arrayContaining(['--namespace', '--output', '--service', '--context', '--server', '--token', '--help']));
    expect(at('get', 'pods', '-o', '')).toEqual({ words: ['table', 'wide', 'name', 'json', 'yaml'] });
    expect(at('inspect', 'svc', 'web', '--output', '')).toEqual({ words: ['yaml', 'json'] });
    expect(at('get', 'pods', '-n', '')).toEqual({ names: 'namespace' });
    expect(at('--context', '')).toEqual({ names: 'context' });
    expect(at('get', 'pods', '--service', '')).toEqual({ names: 'service' });
    expect(at('secret', 'create', 's', '--type', '')).toEqual({ words: ['opaque', 'auth', 'tls'] });
    expect(at('apply', '-f', '')).toEqual({ files: true });
    expect(at('run', 'web', 'nginx', '--env-file', '')).toEqual({ files: true });
    expect(at('secret', 'create', 's', '--from-file', '')).toEqual({ files: true });
  });

  it('reads the flags that pick the server and the namespace, in every spelling', () => {
    const t = parseTyped(program, ['--context', 'prod', 'get', '--server=https://x:1', 'pods', '-ndemo', '--token', 'T']);
    expect(t.path).toBe('get');
    expect(t.positionals).toEqual(['pods']);
    expect(t.flags).toEqual({ context: 'prod', server: 'https://x:1', namespace: 'demo', token: 'T' });
  });

  it('offers what starts with the word typed', () => {
    expect(matching(['services', 'secrets', 'pods', 'services'], 'se')).toEqual(['services', 'secrets']);
    expect(matching(['a'], '')).toEqual(['a']);
  });
});
