// The original Last.Backend's manifest spellings (its v1 request types and examples), read into this
// project's model. manifests.ts wires these into the schemas; everything here is a small pure helper so
// each rule can be read (and tested) on its own. What the original meant was read from its sources:
// pkg/api/types/v1/request (parsing), pkg/distribution/types (the stored spec) and pkg/node, pkg/runtime
// (what the node then ran).
import { z } from 'zod';

/**
 * `lenient.pipe(model)` for a normalising transform: the model's input is wider than what the transform
 * hands it (defaults, numeric names), which zod's pipe type refuses though the parse is sound.
 */
export const into = <A extends z.ZodType, B extends z.ZodType>(lenient: A, model: B): z.ZodPipe<A, B> =>
  (lenient as z.ZodType).pipe(model) as unknown as z.ZodPipe<A, B>;

/** Go clients send null for a pointer field that is unset: it means the field is absent. */
export const orNull = <S extends z.ZodType>(s: S) =>
  into(
    z.union([s, z.null()]).transform((v) => (v === null ? undefined : v)),
    s.optional(),
  );

const NUMBER_TEXT =
  'write it in quotes: a YAML number loses its spelling (1.10 would become "1.1"); only whole numbers and true/false are taken as text';

/**
 * A string field that YAML may have read as a number or boolean (`value: 3306`, `name: 2048`): the
 * original's YAML reader took any scalar for a string field, so whole numbers and booleans become their
 * text. A fraction is refused, because its spelling is lost by the time it gets here.
 */
export const scalarText = <S extends z.ZodType<string, string>>(s: S) =>
  z
    // s first: a bad string is reported by s itself, and the OpenAPI document shows s's constraints.
    .union([s, z.number(), z.boolean()], { error: (iss) => (iss.code === 'invalid_union' ? 'Invalid input: expected string' : undefined) })
    .superRefine((v, ctx) => {
      if (typeof v === 'number' && !Number.isSafeInteger(v)) ctx.addIssue({ code: 'custom', message: NUMBER_TEXT });
    })
    .transform((v) => String(v))
    .pipe(s);

// ------------------------------------------------------------------------------------------ command

/** Quotes and backslashes would reach the program literally: the original split a command at spaces. */
const QUOTING_RE = /["'\\]/;
export const COMMAND_QUOTING_REASON =
  'a command string is split at spaces, as the original did, so quotes and backslashes would reach the program literally: give it as a list (args)';

/** The original split `command` and `entrypoint` strings at spaces (strings.Split); runs of spaces count as one here. */
export function splitCommand(s: string): string[] {
  const t = s.trim();
  return t === '' ? [] : t.split(/\s+/);
}
export const hasQuoting = (s: string) => QUOTING_RE.test(s);

// ------------------------------------------------------------------------------------- ports

/** A service port in the original's map form, `{"80": "8080/tcp"}`: service port → container port[/protocol]. */
const MAP_VALUE_RE = /^(\d{1,5})(?:\/(tcp|udp))?$/;
const inRange = (p: string) => Number(p) >= 1 && Number(p) <= 65535;
export function portMapProblem(key: string, value: string): string | undefined {
  if (!/^\d{1,5}$/.test(key) || !inRange(key)) return 'the key is the service port: a number from 1 to 65535';
  const m = MAP_VALUE_RE.exec(value);
  if (!m || !inRange(m[1])) return 'the value is the container port, optionally with /tcp or /udp, e.g. "8080/tcp"';
  return undefined;
}
/** `{"80": "8080/tcp"}` → "80:8080/tcp": the same mapping in this project's list form. */
export const portMapEntry = (key: string, value: string) => `${key}:${value}`;

/**
 * A container port as the original wrote it: "[hostIP:][hostPort][:containerPort][/proto]" (its
 * SpecTemplateContainerPort.Parse). A host port published the container port on the node (at 127.0.0.1
 * unless an address was given); only ":containerPort" declared a port without publishing it.
 */
const CONTAINER_PORT_RE = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5})?(?::(\d{1,5}))?(?:\/(tcp|udp))?$/;
export type OriginalContainerPort =
  | { container: number; protocol: 'tcp' | 'udp' }
  | { published: string }
  | { invalid: string };
export function parseOriginalContainerPort(s: string): OriginalContainerPort {
  const m = CONTAINER_PORT_RE.exec(s.trim());
  if (!m || (!m[2] && !m[3])) return { invalid: 'must be "[hostPort][:containerPort][/tcp|udp]", e.g. ":8080/tcp", or { container, protocol }' };
  const [, hostIp, hostPort, containerPort, proto] = m;
  const protocol = (proto as 'tcp' | 'udp' | undefined) ?? 'tcp';
  if (hostPort) {
    const cport = containerPort ?? hostPort;
    return {
      published: `publishes the container's port ${cport} on the node at ${hostIp ?? '127.0.0.1'}:${hostPort} (as the original did), which is not supported here: reach it through the service's network.ports or a Route, or write ":${cport}/${protocol}" to only declare it`,
    };
  }
  if (!containerPort || !inRange(containerPort)) return { invalid: 'ports must be between 1 and 65535' };
  return { container: Number(containerPort), protocol };
}

// ------------------------------------------------------------------------------------- image

/** A digest as `image.sha` gave it: algorithm:hex, e.g. sha256:<64 hex digits>. */
export const DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-f0-9]{32,}$/;
/**
 * The original pulled `<name without tag>@<sha>` when `image.sha` was set. The tag is the part after the
 * last ":" of the last path segment (a registry's ":port" is kept, which the original cut off by mistake).
 */
export function pinnedImage(name: string, sha: string): string {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const repo = colon > slash ? name.slice(0, colon) : name;
  return `${repo}@${sha}`;
}

// ------------------------------------------------------------------------------------- kinds

/** Kinds the original knew that are not applied here, and what to do instead. */
const OTHER_KINDS: Record<string, string> = {
  Pod: 'a Pod is not applied directly; use a Service (its spec.template is the pod template)',
  Deployment: "a Deployment is made by the controller from its Service; apply the Service",
  Endpoint: "an Endpoint is made from its Service's network.ports; apply the Service",
  Task: 'a Task is one run of a Job: start one with `lb job run JOB` (POST /namespace/{ns}/job/{job}/task)',
};
/** Why a document's kind cannot be applied, or undefined when it names one of `kinds`. */
export function kindProblem(kind: unknown, kinds: readonly string[]): string | undefined {
  if (typeof kind === 'string' && kinds.includes(kind)) return undefined;
  if (typeof kind === 'string' && OTHER_KINDS[kind]) return OTHER_KINDS[kind];
  // The original's CLI lowercased the kind before matching it; here it is matched as written.
  const named = typeof kind === 'string' ? kinds.find((k) => k.toLowerCase() === kind.toLowerCase()) : undefined;
  if (named) return `must be written "${named}"`;
  const got = kind === undefined ? 'missing' : `got ${JSON.stringify(kind)}`;
  return `must be one of ${kinds.join(', ')} (${got})`;
}
