// What every part of the conversion shares: where it is (file, directory), how it reads files and
// variables, and how it reports — a warning once per key and service, an error naming the entry.
import { ComposeError } from './values';

export type Manifest = { kind: string; version: 'v1'; meta: { name: string; labels?: Record<string, string> }; spec: Record<string, unknown> };

/** Why some ignored keys need no counterpart, said in their warning. */
export const WHY: Record<string, string> = {
  networks: 'every service reaches every other by its name in the namespace',
  container_name: "containers are named by the platform; other services reach this one by the service's name",
  hostname: "other services reach this one by the service's name",
  tmpfs: "the path stays in the container's writable layer",
  links: 'every service reaches every other by its name in the namespace',
};
export const NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const PORT_NAME_RE = /^[a-z][a-z0-9-]{0,14}$/;

export interface Ctx {
  file: string;
  dir: string;
  readText: (path: string) => string;
  /** Where `environment: [NAME]` entries and `secrets.X.environment` are read: the environment, then .env. */
  lookup: (name: string) => string | undefined;
  warnings: string[];
  warned: Set<string>;
  /** Services in a profile, left out. */
  skipped: Set<string>;
}

export function warn(c: Ctx, svc: string | undefined, key: string, why?: string): void {
  const line = `${svc ? `service ${svc}: ` : ''}\`${key}\` is not supported (ignored)${why ? `: ${why}` : ''}`;
  if (c.warned.has(line)) return;
  c.warned.add(line);
  c.warnings.push(line);
}
/** A warning that is not about an ignored key (a renamed service, an unset variable). */
export function note(c: Ctx, line: string): void {
  if (c.warned.has(line)) return;
  c.warned.add(line);
  c.warnings.push(line);
}
export const fail = (c: Ctx, where: string, msg: string) => new ComposeError(`${c.file}: ${where}: ${msg}`);
