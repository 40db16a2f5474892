// Where exec for a pod, a driver list or swap, the metrics or the pods' stats of a node go: the agent of that node. The local
// agent of `lb server` is called in-process; a joined node's agent at the address it registered at
// join (only the port comes from what the node reports), over mutual TLS or with its agent key.
import type { Duplex } from 'node:stream';
import { LbError, type AgentPodStats, type DriverKind, type DriverState, type ExecResult, type ExecSession, type Node } from '@lastbackend/sdk';
import type { ExecStreamRequest } from '../agent/node-pods';
import type { Auth } from '../auth/auth';
import { keys } from '../store/keys';
import type { Store } from '../store/store';
import type { DriverSwap } from '../kernel/kernel';
import type { ClusterTls } from '../tls/cluster-tls';
import { RemoteAgent } from './remote-agent';

export interface NodeAgentHandle {
  exec(ns: string, pod: string, command: string[], container?: string, timeoutSeconds?: number): Promise<ExecResult>;
  drivers(): Promise<DriverState[]>;
  /** Swaps the kinds together (all or none): see Kernel.swapAll. */
  swapDrivers(kinds: DriverKind[], swap: DriverSwap): Promise<DriverState[]>;
  /** The agent's Prometheus metrics (text exposition format). */
  metrics(): Promise<string>;
  /** CPU and memory of the running containers of these pods of the node (all of its pods when none are named). */
  stats(pods?: { namespace: string; name: string }[]): Promise<AgentPodStats>;
  /** An interactive exec (exec -i/-t) in a container of a pod of the node. */
  execStream(ns: string, pod: string, command: string[], o: ExecStreamRequest): Promise<ExecSession>;
  /** A TCP connection to a port of a pod of the node, on the pod's own address (port-forward). */
  portForward(ns: string, pod: string, port: number): Promise<Duplex>;
}

export class NodeGateway {
  private readonly local = new Map<string, NodeAgentHandle>();

  constructor(
    private readonly store: Store,
    private readonly auth: Auth,
    private readonly tls?: ClusterTls,
  ) {}

  register(node: string, agent: NodeAgentHandle): void {
    this.local.set(node, agent);
  }

  /** The server's own node, when it runs an agent. */
  localNode(): string | undefined {
    return this.local.keys().next().value;
  }

  async agent(node: string): Promise<NodeAgentHandle> {
    const local = this.local.get(node);
    if (local) return local;
    const n = await this.store.get<Node>(keys.node(node));
    if (!n) throw new LbError('NOT_FOUND', `node "${node}" not found`);
    const address = await this.auth.registeredAddress(node);
    const port = portOf(n.status.endpoint);
    if (!address || !port) throw new LbError('UNAVAILABLE', `node "${node}" has no agent endpoint this server can reach`, { fix: address ? undefined : 'join the node again: it registered no address' });
    if (!n.status.online) throw new LbError('UNAVAILABLE', `node "${node}" is ${n.status.state}`);
    const host = address.includes(':') ? `[${address}]` : address;
    return this.tls
      ? new RemoteAgent(node, `https://${host}:${port}`, { tls: { ca: this.tls.caCert, cert: this.tls.client.cert, key: this.tls.client.key } } /* read per call: a CA rotation changes them */)
      : new RemoteAgent(node, `http://${host}:${port}`, { key: this.auth.agentKey(node) });
  }
}

/** The port of the endpoint a node reports; its host is never used. */
function portOf(endpoint: string | undefined): number | undefined {
  if (!endpoint) return undefined;
  try {
    const port = Number(new URL(endpoint).port);
    return port > 0 && port < 65536 ? port : undefined;
  } catch {
    return undefined;
  }
}
