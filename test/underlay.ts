// Several "hosts" on this machine: a network namespace per host, each joined by a veth pair to a
// bridge (in a namespace of its own) that plays the underlay network; this (root) namespace joins it
// too, so the API server can listen on an underlay address. Test set-up uses `ip`; the platform's
// own code uses netlink. destroy() removes every namespace and link made here.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8', timeout: 20_000 }).trim();

export interface Host {
  name: string;
  netns: string;
  address: string;
  /** The host's port on the underlay bridge (in the underlay namespace). */
  port: string;
}

export class Underlay {
  readonly hosts: Host[] = [];
  readonly serverAddress: string;
  private readonly ul: string;
  private readonly rootLink: string;

  private constructor(
    private readonly id: string,
    private readonly net: string,
  ) {
    this.ul = `lbt${id}-ul`;
    this.rootLink = `lbt${id}r`;
    this.serverAddress = `${net}.1`;
  }

  /** Builds the underlay and `count` hosts on 10.213.<random>.0/24. */
  static create(count: number): Underlay {
    const u = new Underlay(randomBytes(2).toString('hex'), `10.213.${20 + Math.floor(Math.random() * 200)}`);
    try {
      u.build(count);
    } catch (e) {
      u.destroy();
      throw e;
    }
    return u;
  }

  private build(count: number): void {
    ip('netns', 'add', this.ul);
    ip('-n', this.ul, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.ul, 'link', 'set', 'br0', 'up');
    // this namespace's leg
    ip('link', 'add', this.rootLink, 'type', 'veth', 'peer', 'name', 'root', 'netns', this.ul);
    ip('-n', this.ul, 'link', 'set', 'root', 'master', 'br0', 'up');
    ip('addr', 'add', `${this.serverAddress}/24`, 'dev', this.rootLink);
    ip('link', 'set', this.rootLink, 'up');
    for (let i = 0; i < count; i++) {
      const name = String.fromCharCode(97 + i);
      const netns = `lbt${this.id}-${name}`;
      const port = `h${name}`;
      const address = `${this.net}.${10 + i}`;
      ip('netns', 'add', netns);
      ip('-n', netns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', this.ul);
      ip('-n', this.ul, 'link', 'set', port, 'master', 'br0', 'up');
      ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', netns, 'link', 'set', 'eth0', 'up');
      ip('-n', netns, 'link', 'set', 'lo', 'up');
      this.hosts.push({ name, netns, address, port });
    }
  }

  /** Cuts a host off the underlay (its bridge port goes down), or restores it. */
  setLink(host: Host, up: boolean): void {
    ip('-n', this.ul, 'link', 'set', host.port, up ? 'up' : 'down');
  }

  /** `ip route` inside a host. */
  routes(host: Host): string {
    return ip('-n', host.netns, 'route');
  }

  destroy(): void {
    for (const ns of [...this.hosts.map((h) => h.netns), this.ul]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        /* already gone */
      }
    }
    try {
      ip('link', 'del', this.rootLink);
    } catch {
      /* went with its peer's namespace */
    }
  }
}
