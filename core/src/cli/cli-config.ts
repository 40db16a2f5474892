// Where the CLI finds its server, token and the CA it trusts: contexts in $LB_CLI_CONFIG, else
// ~/.lastbackend/cli.json, one per cluster and identity (as kubectl's contexts), picked by
// `lb --context NAME`, else $LB_CONTEXT, else the file's `current`, else "default". LB_SERVER /
// LB_TOKEN / LB_CA_FILE win over the context's fields.
// The file's top-level { server, token, ca } — what `lb server` writes when it generates a token, and the
// whole file before contexts existed — is the context "default"; the others live under `contexts`. The
// file holds tokens: it is written 0600 (a temp file renamed over it), its directory 0700.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { LbError } from '@lastbackend/sdk/errors';
import { usage } from './usage';

export interface CliConfig {
  server: string;
  token?: string;
  /** The cluster CA bundle (PEM) the server's certificate is checked against. */
  ca?: string;
}

/** The file as stored. */
export interface CliConfigFile extends Partial<CliConfig> {
  /** The context used when none is named. */
  current?: string;
  contexts?: Record<string, CliConfig>;
}

export const DEFAULT_CONTEXT = 'default';
const CONTEXT_NAME = /^[A-Za-z0-9][-A-Za-z0-9_.@]{0,62}$/;

export function cliConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.LB_CLI_CONFIG ?? join(env.HOME ?? homedir(), '.lastbackend', 'cli.json');
}

export function readCliFile(env: NodeJS.ProcessEnv = process.env): CliConfigFile {
  let text: string;
  try {
    text = readFileSync(cliConfigPath(env), 'utf8');
  } catch {
    return {};
  }
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as CliConfigFile) : {};
  } catch {
    throw new LbError('INVALID_ARGUMENT', `${cliConfigPath(env)} is not valid JSON`, { fix: 'fix or remove it, then `lb login` again' });
  }
}

function writeCliFile(file: CliConfigFile, env: NodeJS.ProcessEnv): void {
  const path = cliConfigPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/** Every context of the file, "default" (the top level) first when it has a server. */
export function listContexts(file: CliConfigFile): Record<string, CliConfig> {
  const out: Record<string, CliConfig> = {};
  if (file.server) out[DEFAULT_CONTEXT] = { server: file.server, ...(file.token ? { token: file.token } : {}), ...(file.ca ? { ca: file.ca } : {}) };
  for (const [name, c] of Object.entries(file.contexts ?? {})) if (name !== DEFAULT_CONTEXT && c && typeof c.server === 'string') out[name] = c;
  return out;
}

/** The context in use: the one named (--context), else $LB_CONTEXT, else the file's current, else "default". */
export function contextName(file: CliConfigFile, env: NodeJS.ProcessEnv, named?: string): string {
  return named ?? env.LB_CONTEXT ?? file.current ?? DEFAULT_CONTEXT;
}

export function checkContextName(name: string): string {
  if (!CONTEXT_NAME.test(name)) throw usage(`context name: "${name}" must be letters, digits, and - _ . @ (up to 63, starting with a letter or digit)`);
  return name;
}

/** Stores a context (replacing one of that name); `use` makes it the current one. */
export function saveContext(name: string, ctx: CliConfig, env: NodeJS.ProcessEnv = process.env, use = false): void {
  checkContextName(name);
  const file = readCliFile(env);
  const entry: CliConfig = { server: ctx.server, ...(ctx.token ? { token: ctx.token } : {}), ...(ctx.ca ? { ca: ctx.ca } : {}) };
  let next: CliConfigFile;
  if (name === DEFAULT_CONTEXT) {
    const { server: _s, token: _t, ca: _c, ...rest } = file;
    next = { ...entry, ...rest };
  } else next = { ...file, contexts: { ...file.contexts, [name]: entry } };
  if (use) next.current = name;
  writeCliFile(next, env);
}

/** Makes a context the current one; it must exist. */
export function useContext(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = readCliFile(env);
  if (!listContexts(file)[name]) throw noContext(name, env);
  writeCliFile({ ...file, current: name }, env);
}

/** Removes a context (the current one too: "default" is used after it). */
export function removeContext(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = readCliFile(env);
  if (!listContexts(file)[name]) throw noContext(name, env);
  let next: CliConfigFile;
  if (name === DEFAULT_CONTEXT) {
    const { server: _s, token: _t, ca: _c, ...rest } = file;
    next = rest;
  } else {
    const { [name]: _gone, ...contexts } = file.contexts ?? {};
    next = { ...file, contexts };
  }
  if (next.current === name) delete next.current;
  writeCliFile(next, env);
}

const noContext = (name: string, env: NodeJS.ProcessEnv) =>
  new LbError('NOT_FOUND', `no context "${name}" in ${cliConfigPath(env)}`, { fix: `see \`lb context ls\`, or add it with \`lb login ${name} --server URL --token TOKEN\`` });

/**
 * After `lb token rotate`: the context in use gets the new token when its own token was the one used
 * (not LB_TOKEN nor --token). Returns the context's name, or undefined when none was changed.
 */
export function replaceContextToken(token: string, env: NodeJS.ProcessEnv = process.env, named?: string, flagToken?: string): string | undefined {
  if (flagToken !== undefined || env.LB_TOKEN !== undefined) return undefined;
  const file = readCliFile(env);
  const name = contextName(file, env, named);
  const ctx = listContexts(file)[name];
  if (!ctx?.token) return undefined;
  saveContext(name, { ...ctx, token }, env);
  return name;
}

/**
 * After `lb ca rotate`: the context in use trusts the new bundle, unless LB_CA_FILE names the CA (then that
 * file is the user's to update). Returns the context's name, or undefined when none was changed.
 */
export function replaceContextCa(ca: string, env: NodeJS.ProcessEnv = process.env, named?: string): string | undefined {
  if (env.LB_CA_FILE !== undefined) return undefined;
  const file = readCliFile(env);
  const name = contextName(file, env, named);
  const ctx = listContexts(file)[name];
  if (!ctx) return undefined;
  saveContext(name, { ...ctx, ca }, env);
  return name;
}

/** What `lb server` writes when it generates its token: the "default" context; the others are kept. */
export function writeCliConfig(cfg: CliConfig, env: NodeJS.ProcessEnv = process.env): void {
  saveContext(DEFAULT_CONTEXT, cfg, env);
}

/**
 * The server, token and CA of the context in use, LB_SERVER / LB_TOKEN / LB_CA_FILE winning over its
 * fields and `--server` / `--token` (`flags`) over those; without any, the local server. A context that
 * is named but does not exist is an error.
 */
export function clientSettings(
  env: NodeJS.ProcessEnv = process.env,
  named?: string,
  flags: { server?: string; token?: string } = {},
): { server: string; token?: string; tls?: { ca: string } } {
  const file = readCliFile(env);
  const name = contextName(file, env, named);
  const ctx = listContexts(file)[name];
  if (!ctx && name !== DEFAULT_CONTEXT) throw noContext(name, env);
  const ca = env.LB_CA_FILE ? readCaFile(env.LB_CA_FILE) : ctx?.ca;
  return { server: flags.server ?? env.LB_SERVER ?? ctx?.server ?? 'https://127.0.0.1:2967', token: flags.token ?? env.LB_TOKEN ?? ctx?.token, ...(ca ? { tls: { ca } } : {}) };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new LbError('INVALID_ARGUMENT', `LB_CA_FILE: cannot read ${path}: ${(e as Error).message}`);
  }
}
