// Where the CLI finds its server, token and the CA it trusts when LB_SERVER / LB_TOKEN / LB_CA_FILE are
// not set: $LB_CLI_CONFIG, else ~/.lastbackend/cli.json (written by `lb server` when it generates a token).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { LbError } from '@lastbackend/sdk/errors';

export interface CliConfig {
  server: string;
  token?: string;
  /** The cluster CA bundle (PEM) the server's certificate is checked against. */
  ca?: string;
}

export function cliConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.LB_CLI_CONFIG ?? join(env.HOME ?? homedir(), '.lastbackend', 'cli.json');
}

export function readCliConfig(env: NodeJS.ProcessEnv = process.env): Partial<CliConfig> {
  try {
    return JSON.parse(readFileSync(cliConfigPath(env), 'utf8')) as Partial<CliConfig>;
  } catch {
    return {};
  }
}

export function writeCliConfig(cfg: CliConfig, env: NodeJS.ProcessEnv = process.env): void {
  const file = cliConfigPath(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
}

/** LB_SERVER / LB_TOKEN / LB_CA_FILE win over the file; the default server is the local one. */
export function clientSettings(env: NodeJS.ProcessEnv = process.env): { server: string; token?: string; tls?: { ca: string } } {
  const file = readCliConfig(env);
  const ca = env.LB_CA_FILE ? readCaFile(env.LB_CA_FILE) : file.ca;
  return { server: env.LB_SERVER ?? file.server ?? 'https://127.0.0.1:2967', token: env.LB_TOKEN ?? file.token, ...(ca ? { tls: { ca } } : {}) };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new LbError('INVALID_ARGUMENT', `LB_CA_FILE: cannot read ${path}: ${(e as Error).message}`);
  }
}
