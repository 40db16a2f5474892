// Named volumes, secrets and configs: the top-level definitions and what a service mounts of them.
import { dirname, posix, resolve } from 'node:path';
import { labelsOf } from './container';
import { NAME_RE, WHY, fail, note, warn, type Ctx, type Manifest } from './context';
import { isMap, platformName } from './values';

export interface TopVolumes {
  manifests: Manifest[];
  /** Compose volume key → the platform Volume's name. */
  names: Map<string, string>;
}

export function topVolumes(c: Ctx, v: unknown): TopVolumes {
  const r: TopVolumes = { manifests: [], names: new Map() };
  if (v === undefined || v === null) return r;
  if (!isMap(v)) throw fail(c, 'volumes', 'must be a mapping of volume names');
  for (const [key, def] of Object.entries(v)) {
    const d = def ?? {};
    if (!isMap(d)) throw fail(c, `volumes.${key}`, 'must be a mapping or empty');
    const name = platformName(typeof d.name === 'string' ? d.name : key);
    if (!NAME_RE.test(name)) throw fail(c, `volumes.${key}`, 'has no letter or digit to make a volume name of');
    r.names.set(key, name);
    for (const k of Object.keys(d)) if (!['name', 'external', 'labels'].includes(k)) warn(c, undefined, `volumes.${key}.${k}`, 'a volume here is a directory on the node that holds it');
    if (d.external === true) continue;
    const l = d.labels === undefined ? undefined : labelsOf(c, undefined, `volumes.${key}.labels`, d.labels);
    r.manifests.push({ kind: 'Volume', version: 'v1', meta: { name, ...(l ? { labels: l } : {}) }, spec: {} });
  }
  return r;
}

export interface FileObject {
  /** Set for `external: true`: the existing Secret/Config's name. */
  external?: string;
  content?: string;
}

/** Top-level secrets/configs: their contents (from a file, an environment variable or inline), or the external name. */
export function topFiles(c: Ctx, kind: 'secrets' | 'configs', v: unknown): Map<string, FileObject> {
  const r = new Map<string, FileObject>();
  if (v === undefined || v === null) return r;
  if (!isMap(v)) throw fail(c, kind, 'must be a mapping');
  for (const [key, def] of Object.entries(v)) {
    const where = `${kind}.${key}`;
    if (!isMap(def)) throw fail(c, where, 'must be a mapping with file, environment, content or external');
    for (const k of Object.keys(def)) if (!['file', 'environment', 'content', 'external', 'name'].includes(k)) warn(c, undefined, `${where}.${k}`);
    if (def.external === true) {
      const name = platformName(typeof def.name === 'string' ? def.name : key);
      r.set(key, { external: name });
      continue;
    }
    if (typeof def.file === 'string') r.set(key, { content: readContent(c, where, resolve(c.dir, def.file)) });
    else if (typeof def.environment === 'string') {
      const val = c.lookup(def.environment);
      if (val === undefined) throw fail(c, `${where}.environment`, `variable ${def.environment} is not set`);
      r.set(key, { content: val });
    } else if (typeof def.content === 'string' && kind === 'configs') r.set(key, { content: def.content });
    else throw fail(c, where, `needs file${kind === 'configs' ? ', content' : ''}, environment or external: true`);
  }
  return r;
}

function readContent(c: Ctx, where: string, path: string): string {
  let text: string;
  try {
    text = c.readText(path);
  } catch (e) {
    throw fail(c, where, `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (text.includes('\uFFFD')) throw fail(c, where, `${path} is not UTF-8 text (secrets and configs hold text)`);
  return text;
}

export interface MountOut {
  name: string;
  path: string;
  readonly?: boolean;
  sub_path?: string;
}

const isHostPath = (s: string) => /^([./~]|[A-Za-z]:[\\/])/.test(s);

export function volumeMounts(c: Ctx, key: string, v: unknown, declared: Map<string, string>): MountOut[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw fail(c, `services.${key}.volumes`, 'must be a list');
  const out: MountOut[] = [];
  const named = (where: string, source: string, target: string, readonly: boolean, subPath?: string) => {
    const name = declared.get(source);
    if (!name) throw fail(c, where, `volume "${source}" is not declared in the top-level volumes:`);
    if (!target.startsWith('/')) throw fail(c, where, `the container path "${target}" must be absolute`);
    out.push({ name, path: target, ...(readonly ? { readonly } : {}), ...(subPath ? { sub_path: subPath } : {}) });
  };
  const bind = (where: string, src: string) =>
    fail(c, where, `"${src}" is a bind mount (a path on the host): not supported, as a pod may run on any node; use a named volume (top-level volumes:) or a config`);
  const anonymous = (where: string, target: string) =>
    fail(c, where, `"${target}" is an anonymous volume: not supported; name it (NAME:${target}) and declare NAME in the top-level volumes:`);
  v.forEach((e, i) => {
    const where = `services.${key}.volumes.${i}`;
    if (typeof e === 'string') {
      const parts = e.split(':');
      if (parts.length === 1) throw anonymous(where, parts[0]);
      const [src, target, mode = ''] = parts;
      if (parts.length > 3) throw fail(c, where, `"${e}" must be SOURCE:TARGET[:MODE]`);
      if (isHostPath(src)) throw bind(where, src);
      const opts = mode.split(',').filter(Boolean);
      for (const o of opts) if (o !== 'ro' && o !== 'rw') warn(c, key, `volumes option ${o}`);
      return named(where, src, target, opts.includes('ro'));
    }
    if (!isMap(e)) throw fail(c, where, 'must be a string or a mapping with type, source and target');
    const type = e.type ?? 'volume';
    const target = String(e.target ?? '');
    if (type === 'bind') throw bind(where, String(e.source ?? ''));
    if (type === 'tmpfs') return warn(c, key, `volumes tmpfs ${target}`, WHY.tmpfs);
    if (type !== 'volume') throw fail(c, where, `type ${String(type)} is not supported (named volumes only)`);
    if (!e.source) throw anonymous(where, target);
    for (const k of Object.keys(e)) if (!['type', 'source', 'target', 'read_only', 'volume'].includes(k)) warn(c, key, `volumes.${k}`);
    const vo = isMap(e.volume) ? e.volume : {};
    for (const k of Object.keys(vo)) if (k !== 'subpath') warn(c, key, `volumes.volume.${k}`);
    named(where, String(e.source), target, e.read_only === true, typeof vo.subpath === 'string' ? vo.subpath : undefined);
  });
  return out;
}

/**
 * A service's secrets (or configs) as compose mounts them: each a file, at /run/secrets/<name> (configs:
 * /<name>) or its target. The platform mounts a Secret/Config as a directory of its keys, so the files
 * of one directory become one object of the service, named <service>-<directory>; an external one is
 * mounted as the directory of its own keys.
 */
export function fileMounts(
  c: Ctx,
  key: string,
  svc: string,
  kind: 'secret' | 'config',
  v: unknown,
  defs: Map<string, FileObject>,
): { manifests: Manifest[]; volumes: Record<string, unknown>[]; mounts: MountOut[] } {
  const r = { manifests: [] as Manifest[], volumes: [] as Record<string, unknown>[], mounts: [] as MountOut[] };
  if (v === undefined) return r;
  const plural = `${kind}s`;
  if (!Array.isArray(v)) throw fail(c, `services.${key}.${plural}`, 'must be a list');
  const base = kind === 'secret' ? '/run/secrets' : '/';
  const dirs = new Map<string, Map<string, string>>();
  v.forEach((e, i) => {
    const where = `services.${key}.${plural}.${i}`;
    const entry = typeof e === 'string' ? { source: e } : isMap(e) && typeof e.source === 'string' ? e : undefined;
    if (!entry) throw fail(c, where, 'must be a name or a mapping with source');
    const source = entry.source as string;
    if (isMap(e)) for (const k of Object.keys(e)) if (!['source', 'target'].includes(k)) warn(c, key, `${plural}.${k}`, 'files are read-only, owned as the platform writes them');
    const def = defs.get(source);
    if (!def) throw fail(c, where, `${kind} "${source}" is not declared in the top-level ${plural}:`);
    const t = typeof entry.target === 'string' && entry.target ? entry.target : source;
    const path = posix.resolve(base, t);
    if (def.external) {
      const vol = `${kind}-${def.external}`.slice(0, 63).replace(/-+$/, '');
      r.volumes.push({ name: vol, [kind]: { name: def.external } });
      r.mounts.push({ name: vol, path });
      note(c, `service ${key}: ${kind} ${source} is external: mounted as a directory at ${path}, holding its keys as files`);
      return;
    }
    const dir = dirname(path);
    if (dir === '/') throw fail(c, where, `${kind} "${source}" would be a file in / (${path}): give a target in a directory, such as /etc/${svc}/${posix.basename(path)}`);
    const files = dirs.get(dir) ?? new Map<string, string>();
    const file = posix.basename(path);
    if (files.has(file)) throw fail(c, where, `two ${plural} are mounted at ${path}`);
    files.set(file, def.content ?? '');
    dirs.set(dir, files);
  });
  for (const [dir, files] of dirs) {
    const name = platformName(`${svc}-${dir}`);
    const vol = platformName(`${kind}-${dir}`);
    r.manifests.push({ kind: kind === 'secret' ? 'Secret' : 'Config', version: 'v1', meta: { name }, spec: { ...(kind === 'secret' ? { type: 'opaque' } : {}), data: Object.fromEntries(files) } });
    r.volumes.push({ name: vol, [kind]: { name } });
    r.mounts.push({ name: vol, path: dir });
  }
  return r;
}
