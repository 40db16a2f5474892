import { LbError } from '@lastbackend/sdk';
import { CLI_KINDS, kindSuggestion, lookupKind, resolveKind } from './kinds';
import { UsageError } from './usage';

describe('kind aliases', () => {
  it.each([
    ['namespace', 'namespace'],
    ['namespaces', 'namespace'],
    ['ns', 'namespace'],
    ['service', 'service'],
    ['services', 'service'],
    ['svc', 'service'],
    ['Service', 'service'],
    ['deployment', 'deployment'],
    ['deployments', 'deployment'],
    ['deploy', 'deployment'],
    ['pod', 'pod'],
    ['pods', 'pod'],
    ['po', 'pod'],
    ['node', 'node'],
    ['nodes', 'node'],
    ['no', 'node'],
    ['secret', 'secret'],
    ['secrets', 'secret'],
    ['config', 'config'],
    ['configs', 'config'],
    ['volume', 'volume'],
    ['volumes', 'volume'],
    ['vol', 'volume'],
    ['route', 'route'],
    ['routes', 'route'],
    ['endpoint', 'endpoint'],
    ['endpoints', 'endpoint'],
    ['ep', 'endpoint'],
    ['cluster', 'cluster'],
    [' PODS ', 'pod'],
  ])('%s → %s', (word, kind) => {
    expect(lookupKind(word)).toBe(kind);
    expect(resolveKind(word)).toBe(kind);
  });

  it('every kind resolves to itself', () => {
    for (const k of CLI_KINDS) expect(resolveKind(k)).toBe(k);
  });

  it('rejects an unknown kind, listing the known ones', () => {
    expect(lookupKind('gadget')).toBeUndefined();
    let err: unknown;
    try {
      resolveKind('gadget');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError); // exit code 2
    expect(err).toBeInstanceOf(LbError);
    expect((err as LbError).code).toBe('INVALID_ARGUMENT');
    expect((err as LbError).message).toBe(`unknown kind gadget (one of ${CLI_KINDS.join(', ')})`);
  });

  it('suggests the nearest kind word for a typo, once per kind', () => {
    expect(() => resolveKind('srvices')).toThrow(`unknown kind srvices (one of ${CLI_KINDS.join(', ')}): did you mean "services"?`);
    expect(kindSuggestion('servce')).toBe(': did you mean "service"?');
    expect(kindSuggestion('pdo')).toBe(': did you mean "pod"?'); // as near "po": the preferred word of the kind
    expect(kindSuggestion('svcs')).toBe(': did you mean "svc"?');
    expect(kindSuggestion('Nodes')).toBe(': did you mean "nodes"?');
    expect(kindSuggestion('deploymnts')).toBe(': did you mean "deployments"?');
    expect(kindSuggestion('xyzzy')).toBe('');
    // only among the kinds the command takes
    expect(() => resolveKind('secrts', ['service', 'secret'], 'delete')).toThrow('unknown kind secrts (one of service, secret): did you mean "secrets"?');
    expect(kindSuggestion('pods', ['service', 'secret'])).toBe('');
  });

  it('narrows to what a command supports', () => {
    expect(resolveKind('svc', ['service', 'namespace'])).toBe('service');
    expect(() => resolveKind('po', ['service', 'namespace'], 'delete')).toThrow('delete does not support kind pod (one of service, namespace)');
    expect(() => resolveKind('thing', ['service'], 'delete')).toThrow('unknown kind thing (one of service)');
  });
});
