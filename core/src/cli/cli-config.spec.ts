import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientSettings, listContexts, readCliFile, removeContext, replaceContextCa, saveContext, useContext, writeCliConfig } from './cli-config';

describe('CLI config and contexts', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const file = () => join(dir, 'cli.json');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-config-'));
    env = { LB_CLI_CONFIG: file() };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the old shape { server, token, ca } as the context "default", and uses it by default', () => {
    writeFileSync(file(), JSON.stringify({ server: 'https://a:2967', token: 'ta', ca: 'PEM-A' }));
    expect(listContexts(readCliFile(env))).toEqual({ default: { server: 'https://a:2967', token: 'ta', ca: 'PEM-A' } });
    expect(clientSettings(env)).toEqual({ server: 'https://a:2967', token: 'ta', tls: { ca: 'PEM-A' } });
  });

  it('after lb ca rotate: the context in use takes the new CA, unless LB_CA_FILE names the CA', () => {
    saveContext('prod', { server: 'https://p:2967', token: 'tp', ca: 'OLD' }, env, true);
    saveContext('dev', { server: 'https://d:2967', token: 'td', ca: 'DEV' }, env);
    expect(replaceContextCa('NEW', { ...env, LB_CA_FILE: '/x/ca.crt' })).toBeUndefined();
    expect(listContexts(readCliFile(env)).prod.ca).toBe('OLD');
    expect(replaceContextCa('NEW', env)).toBe('prod');
    expect(listContexts(readCliFile(env))).toMatchObject({ prod: { server: 'https://p:2967', token: 'tp', ca: 'NEW' }, dev: { ca: 'DEV' } });
  });

  it('without a file: the local server, and the environment wins over a context', () => {
    expect(clientSettings(env)).toEqual({ server: 'https://127.0.0.1:2967' });
    saveContext('prod', { server: 'https://p:2967', token: 'tp', ca: 'PEM-P' }, env, true);
    expect(clientSettings({ ...env, LB_SERVER: 'https://x:1', LB_TOKEN: 'tx' })).toEqual({ server: 'https://x:1', token: 'tx', tls: { ca: 'PEM-P' } });
  });

  it('--server and --token win over the environment and the context; each alone keeps the other', () => {
    saveContext('prod', { server: 'https://p:2967', token: 'tp', ca: 'PEM-P' }, env, true);
    const withEnv = { ...env, LB_SERVER: 'https://x:1', LB_TOKEN: 'tx' };
    expect(clientSettings(withEnv, undefined, { server: 'https://f:2', token: 'tf' })).toEqual({ server: 'https://f:2', token: 'tf', tls: { ca: 'PEM-P' } });
    expect(clientSettings(env, undefined, { server: 'https://f:2' })).toEqual({ server: 'https://f:2', token: 'tp', tls: { ca: 'PEM-P' } });
    expect(clientSettings(withEnv, undefined, { token: 'tf' })).toEqual({ server: 'https://x:1', token: 'tf', tls: { ca: 'PEM-P' } });
  });

  it('picks the context named (--context), else LB_CONTEXT, else the current one, else "default"', () => {
    writeFileSync(file(), JSON.stringify({ server: 'https://a:2967', token: 'ta' }));
    saveContext('prod', { server: 'https://p:2967', token: 'tp', ca: 'PEM-P' }, env);
    saveContext('dev', { server: 'http://d:2967', token: 'td' }, env);
    expect(clientSettings(env).token).toBe('ta'); // saved without use: the current stays
    useContext('dev', env);
    expect(clientSettings(env).token).toBe('td');
    expect(clientSettings({ ...env, LB_CONTEXT: 'prod' }).token).toBe('tp');
    expect(clientSettings({ ...env, LB_CONTEXT: 'prod' }, 'default').token).toBe('ta');
    expect(() => clientSettings(env, 'nope')).toThrow(/no context "nope"/);
    expect(() => useContext('nope', env)).toThrow(/no context "nope"/);
    expect(readCliFile(env).current).toBe('dev');
  });

  it('`lb server` rewrites only the "default" context: the others and the current one stay', () => {
    saveContext('prod', { server: 'https://p:2967', token: 'tp' }, env, true);
    writeCliConfig({ server: 'https://127.0.0.1:2967', token: 'local', ca: 'PEM-L' }, env);
    const f = readCliFile(env);
    expect(f).toMatchObject({ server: 'https://127.0.0.1:2967', token: 'local', ca: 'PEM-L', current: 'prod', contexts: { prod: { server: 'https://p:2967', token: 'tp' } } });
    expect(Object.keys(listContexts(f))).toEqual(['default', 'prod']);
  });

  it('removes a context (the current one: "default" is used after it); the file stays 0600', () => {
    writeFileSync(file(), JSON.stringify({ server: 'https://a:2967', token: 'ta' }), { mode: 0o644 });
    saveContext('prod', { server: 'https://p:2967', token: 'tp' }, env, true);
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    removeContext('prod', env);
    expect(readCliFile(env).current).toBeUndefined();
    expect(clientSettings(env).token).toBe('ta');
    removeContext('default', env);
    expect(listContexts(readCliFile(env))).toEqual({});
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({ contexts: {} });
    expect(() => saveContext('bad name', { server: 'https://x' }, env)).toThrow(/context name/);
  });

  it('an unreadable file is said so', () => {
    writeFileSync(file(), '{not json');
    expect(() => clientSettings(env)).toThrow(/is not valid JSON/);
  });
});
