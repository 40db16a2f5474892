// `lb port-forward` port arguments, as kubectl takes them: REMOTE (the same local port), LOCAL:REMOTE, and
// :REMOTE or 0:REMOTE for a free local port.
import { usage } from './usage';

export interface PortSpec {
  /** 0: any free port. */
  local: number;
  remote: number;
}

const PORT = /^\d{1,5}$/;

export function parsePortSpec(arg: string): PortSpec {
  const parts = arg.split(':');
  const bad = () => usage(`port-forward: "${arg}" must be [LOCAL:]REMOTE, ports 1-65535 (LOCAL 0 or empty: a free port), e.g. 8080:80 or :80`);
  if (parts.length > 2) throw bad();
  const [l, r] = parts.length === 2 ? parts : [parts[0], parts[0]];
  if (!PORT.test(r) || (l !== '' && !PORT.test(l))) throw bad();
  const local = l === '' ? 0 : Number(l);
  const remote = Number(r);
  if (remote < 1 || remote > 65535 || local > 65535) throw bad();
  return { local, remote };
}

/** Every argument; a local port given twice is refused. */
export function parsePortSpecs(args: readonly string[]): PortSpec[] {
  if (!args.length) throw usage('port-forward needs a port: lb port-forward POD|SERVICE [LOCAL:]REMOTE [...]');
  const specs = args.map(parsePortSpec);
  const seen = new Set<number>();
  for (const s of specs) {
    if (s.local === 0) continue;
    if (seen.has(s.local)) throw usage(`port-forward: local port ${s.local} is given twice`);
    seen.add(s.local);
  }
  return specs;
}
