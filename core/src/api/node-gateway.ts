// Where logs and exec for a pod go: the agent of the pod's node. `lb server` registers its local agent.
import { LbError, type ExecResult, type LogEntry } from '@lastbackend/sdk';

export interface NodeAgentHandle {
  exec(ns: string, pod: string, command: string[], container?: string, timeoutSeconds?: number): Promise<ExecResult>;
  logs(ns: string, pod: string, opts: { follow?: boolean; tail?: number; since?: number; signal?: AbortSignal }): AsyncGenerator<LogEntry>;
}

export class NodeGateway {
  private readonly agents = new Map<string, NodeAgentHandle>();

  register(node: string, agent: NodeAgentHandle): void {
    this.agents.set(node, agent);
  }

  agent(node: string): NodeAgentHandle {
    const a = this.agents.get(node);
    if (!a) throw new LbError('UNAVAILABLE', `node "${node}" has no agent this server can reach for logs and exec`);
    return a;
  }
}
