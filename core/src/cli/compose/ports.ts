// compose's ports and expose as the service's VIP ports: "[name=]PORT:CONTAINER/PROTO" entries.
import { PORT_NAME_RE, fail, warn, type Ctx } from './context';
import { isMap, stringList } from './values';

interface Port {
  name?: string;
  port: number;
  container: number;
  protocol: string;
}

function range(s: string): [number, number] | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] ? Number(m[2]) : a;
  return a >= 1 && b <= 65535 && a <= b ? [a, b] : undefined;
}

/** `ports` (published on the service's VIP at the published port, else at the container's) and `expose`. */
export function portsOf(c: Ctx, key: string, s: Record<string, unknown>): string[] {
  const list: Port[] = [];
  const add = (where: string, pub: string | undefined, target: string, protocol: string, name?: string) => {
    const t = range(target);
    const p = pub ? range(pub) : t;
    if (!t || !p) throw fail(c, where, `"${pub ? `${pub}:` : ''}${target}" must be ports (1-65535) or port ranges`);
    if (protocol !== 'tcp' && protocol !== 'udp') throw fail(c, where, `protocol ${protocol} is not supported (tcp or udp)`);
    const n = t[1] - t[0] + 1;
    if (p[1] - p[0] + 1 !== n) throw fail(c, where, 'the published range and the container range must be of the same length');
    for (let i = 0; i < n; i++) list.push({ ...(name && n === 1 ? { name } : {}), port: p[0] + i, container: t[0] + i, protocol });
  };
  if (s.ports !== undefined) {
    if (!Array.isArray(s.ports)) throw fail(c, `services.${key}.ports`, 'must be a list');
    s.ports.forEach((e, i) => {
      const where = `services.${key}.ports.${i}`;
      if (typeof e === 'number') return add(where, undefined, String(e), 'tcp');
      if (typeof e === 'string') {
        const [spec, proto = 'tcp'] = e.split('/');
        // [HOST_IP:][PUBLISHED:]TARGET; an IPv6 host address is in brackets.
        const v6 = /^\[([^\]]*)\]:(.*)$/.exec(spec);
        const parts = v6 ? [v6[1], ...v6[2].split(':')] : spec.split(':');
        if (parts.length > 3) throw fail(c, where, `"${e}" must be [HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]`);
        const target = parts[parts.length - 1];
        const pub = parts.length >= 2 ? parts[parts.length - 2] : undefined;
        if (parts.length === 3 && parts[0]) warn(c, key, `ports host address ${parts[0]}`, "the port is on the service's VIP");
        return add(where, pub || undefined, target, proto);
      }
      if (!isMap(e)) throw fail(c, where, 'must be a string, a number or a mapping with target');
      for (const k of Object.keys(e)) if (!['target', 'published', 'protocol', 'host_ip', 'mode', 'name'].includes(k)) warn(c, key, `ports.${k}`);
      if (e.host_ip !== undefined) warn(c, key, `ports host address ${String(e.host_ip)}`, "the port is on the service's VIP");
      if (e.mode === 'host') warn(c, key, 'ports.mode: host', "the port is on the service's VIP");
      const name = typeof e.name === 'string' && PORT_NAME_RE.test(e.name) ? e.name : undefined;
      if (e.name !== undefined && !name) warn(c, key, `ports.name ${String(e.name)}`, 'a port name is lowercase letters, digits and -, at most 15');
      if (e.target === undefined) throw fail(c, where, 'needs target');
      add(where, e.published === undefined ? undefined : String(e.published), String(e.target), typeof e.protocol === 'string' ? e.protocol : 'tcp', name);
    });
  }
  if (s.expose !== undefined)
    stringList(s.expose, `services.${key}.expose`).forEach((e, i) => {
      const [target, proto = 'tcp'] = e.split('/');
      add(`services.${key}.expose.${i}`, undefined, target, proto);
    });
  const seen = new Map<string, Port>();
  const out: string[] = [];
  for (const p of list) {
    const id = `${p.port}/${p.protocol}`;
    const prev = seen.get(id);
    if (prev) {
      if (prev.container !== p.container) throw fail(c, `services.${key}.ports`, `port ${id} is published twice, to container ports ${prev.container} and ${p.container}`);
      continue;
    }
    seen.set(id, p);
    out.push(`${p.name ? `${p.name}=` : ''}${p.port}:${p.container}/${p.protocol}`);
  }
  return out;
}
