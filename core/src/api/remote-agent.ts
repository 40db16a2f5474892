// The API's side of a joined node's agent server: exec and drivers over HTTP, authenticated with the
// node's agent key.
import { LbError, type DriverKind, type DriverState, type ErrorBody, type ExecResult } from '@lastbackend/sdk';
import type { DriverSwap } from '../kernel/kernel';
import type { NodeAgentHandle } from './node-gateway';

export class RemoteAgent implements NodeAgentHandle {
  constructor(
    private readonly endpoint: string,
    private readonly key: string,
  ) {}

  private async call(path: string, init: RequestInit & { signal?: AbortSignal }): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.endpoint.replace(/\/+$/, '') + path, { ...init, headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json' } });
    } catch (e) {
      throw new LbError('UNAVAILABLE', `node agent at ${this.endpoint} is not reachable: ${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}`);
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as Partial<ErrorBody>;
      throw new LbError(body.code ?? 'UNAVAILABLE', body.message ?? `node agent answered ${res.status}`);
    }
    return res;
  }

  async exec(ns: string, pod: string, command: string[], container?: string, timeoutSeconds?: number): Promise<ExecResult> {
    const res = await this.call('/exec', {
      method: 'POST',
      body: JSON.stringify({ namespace: ns, pod, command, container, timeout: timeoutSeconds }),
      signal: AbortSignal.timeout(((timeoutSeconds ?? 60) + 10) * 1000),
    });
    return (await res.json()) as ExecResult;
  }

  async drivers(): Promise<DriverState[]> {
    return (await (await this.call('/drivers', { method: 'GET', signal: AbortSignal.timeout(30_000) })).json()) as DriverState[];
  }

  /** A swap loads, probes and re-syncs on the node: it may take a while. */
  async swapDrivers(kinds: DriverKind[], swap: DriverSwap): Promise<DriverState[]> {
    const res = await this.call('/drivers', { method: 'PUT', body: JSON.stringify({ ...swap, kinds }), signal: AbortSignal.timeout(120_000) });
    return (await res.json()) as DriverState[];
  }
}
