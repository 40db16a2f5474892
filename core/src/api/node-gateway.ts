// Where exec for a pod, or a driver list or swap for a node, goes: the agent of that node. The local
// agent of `lb server` is called in-process; a joined node's agent over HTTP at the endpoint it
// reported, with its agent key.
import { LbError, type DriverKind, type DriverState, type ExecResult, type Node } from '@lastbackend/sdk';
import type { Auth } from '../auth/auth';
import { keys } from '../store/keys';
import type { Store } from '../store/store';
import type { DriverSwap } from '../kernel/kernel';
import { RemoteAgent } from './remote-agent';

export interface NodeAgentHandle {
  exec(ns: string, pod: string, command: string[], container?: string, timeoutSeconds?: number): Promise<ExecResult>;
  drivers(): Promise<DriverState[]>;
  /** Swaps the kinds together (all or none): see Kernel.swapAll. */
  swapDrivers(kinds: DriverKind[], swap: DriverSwap): Promise<DriverState[]>;
}

export class NodeGateway {
  private readonly local = new Map<string, NodeAgentHandle>();

  constructor(
    private readonly store: Store,
    private readonly auth: Auth,
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
    const key = await this.auth.agentKey(node);
    if (!n) throw new LbError('NOT_FOUND', `node "${node}" not found`);
    if (!n.status.endpoint || !key) throw new LbError('UNAVAILABLE', `node "${node}" has no agent endpoint this server can reach`);
    if (!n.status.online) throw new LbError('UNAVAILABLE', `node "${node}" is ${n.status.state}`);
    return new RemoteAgent(n.status.endpoint, key);
  }
}
