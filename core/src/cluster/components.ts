// The original Last.Backend ran ingress and discovery as components of their own that registered with
// the API (GET /ingress, /discovery). Here discovery runs as a plugin of every node's agent, which
// reports it in its node's status.plugins, and the ingress runs in `lb server` (ingress.enabled). A
// component is a node whose agent reports that plugin, or this server for its own ingress, in the
// original's view (meta with version, status.ready) plus where it runs and why it is not ready.
import { LbError, labels, type Node, type PluginState } from '@lastbackend/sdk';
import { z } from 'zod';

export type ComponentKind = PluginState['capability'];

export const ComponentView = z
  .object({
    meta: z
      .object({
        name: z.string().describe('the node whose agent runs it, or the server that runs it'),
        description: z.string(),
        self_link: z.string(),
        labels: labels(),
        created: z.string().describe("the node's registration, or the server's start"),
        updated: z.string(),
        version: z.string().describe("the node agent's or the server's version"),
        node: z.string().optional().describe('this project: the node whose agent runs the plugin'),
        server: z.string().optional().describe('this project: the server that runs the plugin (its id)'),
        package: z.string().describe('this project: the plugin package'),
      })
      .strict(),
    status: z
      .object({
        ready: z.boolean(),
        state: z.enum(['ready', 'not-ready', 'offline']).describe("this project: the plugin's state, offline when its node is"),
        message: z.string().describe('this project: why it is not ready'),
        address: z.string().optional().describe('this project: where it serves (discovery: the DNS address pods get)'),
      })
      .strict(),
  })
  .strict();
export type ComponentView = z.output<typeof ComponentView>;

/** The original's IngressList / DiscoveryList: views by name. */
export const ComponentList = z.record(z.string(), ComponentView);
export type ComponentList = z.output<typeof ComponentList>;

function viewOf(n: Node, p: PluginState): ComponentView {
  const offline = !n.status.online;
  return {
    meta: {
      name: n.meta.name,
      description: n.meta.description ?? '',
      self_link: n.meta.name,
      labels: n.meta.labels,
      created: n.meta.created,
      updated: n.status.heartbeat || n.meta.updated,
      version: n.status.version,
      node: n.meta.name,
      package: p.package,
    },
    status: {
      ready: !offline && p.state === 'ready',
      state: offline ? 'offline' : p.state === 'ready' ? 'ready' : 'not-ready',
      message: offline ? `node "${n.meta.name}" is ${n.status.state}` : p.message,
      ...(p.address ? { address: p.address } : {}),
    },
  };
}

/** A plugin this server runs itself (its ingress), as the API tells it. */
export interface ServerComponent {
  kind: ComponentKind;
  /** The server's id (name@url). */
  server: string;
  package: string;
  version: string;
  since: string;
}

function serverView(c: ServerComponent): ComponentView {
  const at = c.server.lastIndexOf('@'); // a server id is name@url
  const name = at > 0 ? c.server.slice(0, at) : c.server;
  return {
    meta: { name, description: '', self_link: name, labels: {}, created: c.since, updated: c.since, version: c.version, server: c.server, package: c.package },
    status: { ready: true, state: 'ready', message: '' },
  };
}

/**
 * Nodes whose agent runs the capability's plugin (a disabled one does not count), and this server when
 * it runs it itself, by name. Each server knows its own ingress only.
 */
export function componentsOf(kind: ComponentKind, nodes: readonly Node[], own: readonly ServerComponent[] = []): ComponentList {
  const out: ComponentList = {};
  for (const c of own) if (c.kind === kind) out[serverView(c).meta.name] = serverView(c);
  for (const n of nodes) {
    const p = n.status.plugins?.find((x) => x.capability === kind && x.state !== 'disabled');
    if (p) out[n.meta.name] = viewOf(n, p);
  }
  return out;
}

export function componentOf(kind: ComponentKind, nodes: readonly Node[], name: string, own: readonly ServerComponent[] = []): ComponentView {
  const c = componentsOf(kind, nodes, own)[name];
  if (!c)
    throw new LbError('NOT_FOUND', `${kind} "${name}" not found: no node or server of that name runs the ${kind} plugin`, {
      fix: `\`GET /${kind}\` lists the nodes that run it`,
    });
  return c;
}
