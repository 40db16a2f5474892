// Where exec for a pod goes: the agent of the pod's node. The local agent of `lb server` is
// called in-process; a joined node's agent over HTTP at the endpoint it reported, with its agent key.
import { LbError, type ExecResult, type Node } from '@lastbackend/sdk';
import type { Auth } from '../auth/auth';
import { keys } from '../store/keys';
import type { Store } from '../store/store';
import { RemoteAgent } from './remote-agent';

export interface NodeAgentHandle {
  exec(ns: string, pod: string, command: string[], container?: string, timeoutSeconds?: number): Promise<ExecResult>;
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

  async agent(node: string): Promise<NodeAgentHandle> {
    const local = this.local.get(node);
    if (local) return local;
    const n = await this.store.get<Node>(keys.node(node));
    const key = await this.auth.agentKey(node);
    if (!n?.status.endpoint || !key) throw new LbError('UNAVAILABLE', `node "${node}" has no agent endpoint this server can reach for exec`);
    if (!n.status.online) throw new LbError('UNAVAILABLE', `node "${node}" is ${n.status.state}`);
    return new RemoteAgent(n.status.endpoint, key);
  }
}
