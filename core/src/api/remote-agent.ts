// The API's side of a joined node's agent server: exec, drivers, metrics and stats over HTTPS with mutual TLS (the
// agent's certificate must name the node; this server presents its own CA-issued client certificate),
// or over plain HTTP with the agent key derived for that node (--insecure-http).
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { Duplex } from 'node:stream';
import { AgentPodStatsSchema, LbError, decodeErrorBody, openUpgrade, type AgentPodStats, type DriverKind, type DriverState, type ExecResult, type ExecSession } from '@lastbackend/sdk';
import type { ExecStreamRequest } from '../agent/node-pods';
import { execSessionOver } from '../stream/exec-wire';
import { EXEC_PROTOCOL } from '../stream/frames';
import { TCP_PROTOCOL } from '../stream/join';
import { z } from 'zod';
import type { DriverSwap } from '../kernel/kernel';
import { identity } from '../tls/cert-info';
import { AGENT_RESPONSE_LIMIT, EXEC_RESPONSE_LIMIT, METRICS_RESPONSE_LIMIT, STATS_RESPONSE_LIMIT, readBoundedResponse, readJsonResponse } from './bounded-json';
import type { NodeAgentHandle } from './node-gateway';

/** What an agent answers to exec: read bounded (bounded-json) and checked, as it comes from another machine. */
const ExecAnswer = z.object({ exitCode: z.number().int(), stdout: z.string(), stderr: z.string() });

export type AgentCredentials = { tls: { ca: string; cert: string; key: string } } | { key: string };

export class RemoteAgent implements NodeAgentHandle {
  private readonly dispatcher?: object;

  constructor(
    private readonly node: string,
    private readonly endpoint: string,
    private readonly creds: AgentCredentials,
  ) {
    if ('tls' in creds) {
      const { Agent } = require('undici') as typeof import('undici');
      this.dispatcher = new Agent({ connect: { ...creds.tls, checkServerIdentity: this.checkIdentity } });
    }
  }

  /** The address must be in the certificate, and the certificate must be this node's. */
  private readonly checkIdentity = (host: string, cert: PeerCertificate): Error | undefined => {
    const bad = checkServerIdentity(host, cert);
    if (bad) return bad;
    const who = identity(cert);
    return who?.role === 'node' && who.name === this.node ? undefined : new Error(`the agent at ${host} is not node "${this.node}"`);
  };

  private get what(): string {
    return `node agent of "${this.node}"`;
  }

  private async call(path: string, init: RequestInit & { signal?: AbortSignal }): Promise<Response> {
    let res: Response;
    const auth: Record<string, string> = 'key' in this.creds ? { authorization: `Bearer ${this.creds.key}` } : {};
    try {
      res = await fetch(this.endpoint.replace(/\/+$/, '') + path, {
        ...init,
        headers: { ...auth, 'content-type': 'application/json' },
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      } as RequestInit);
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new LbError('UNAVAILABLE', `node agent of "${this.node}" at ${this.endpoint} is not reachable: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
    if (!res.ok) {
      // An agent of this version answers { reason, message }; one of an older version { code: word, message }.
      const body: unknown = await readJsonResponse(res, AGENT_RESPONSE_LIMIT, this.what).catch(() => undefined);
      throw decodeErrorBody(res.status, body, `node agent answered ${res.status}`, 'UNAVAILABLE');
    }
    return res;
  }

  async exec(ns: string, pod: string, command: string[], container?: string, timeoutSeconds?: number): Promise<ExecResult> {
    const res = await this.call('/exec', {
      method: 'POST',
      body: JSON.stringify({ namespace: ns, pod, command, container, timeout: timeoutSeconds }),
      signal: AbortSignal.timeout(((timeoutSeconds ?? 60) + 10) * 1000),
    });
    const answer = ExecAnswer.safeParse(await readJsonResponse(res, EXEC_RESPONSE_LIMIT, this.what));
    if (!answer.success) throw new LbError('INTERNAL', `${this.what}: the exec answer is not an exec result`);
    return answer.data;
  }

  async drivers(): Promise<DriverState[]> {
    const res = await this.call('/drivers', { method: 'GET', signal: AbortSignal.timeout(30_000) });
    return (await readJsonResponse(res, AGENT_RESPONSE_LIMIT, this.what)) as DriverState[];
  }

  /** The agent's Prometheus metrics, as text. */
  async metrics(): Promise<string> {
    const res = await this.call('/metrics', { method: 'GET', signal: AbortSignal.timeout(30_000) });
    return (await readBoundedResponse(res, METRICS_RESPONSE_LIMIT, this.what)).toString('utf8');
  }

  /** A swap loads, probes and re-syncs on the node: it may take a while. */
  async swapDrivers(kinds: DriverKind[], swap: DriverSwap): Promise<DriverState[]> {
    const res = await this.call('/drivers', { method: 'PUT', body: JSON.stringify({ ...swap, kinds }), signal: AbortSignal.timeout(120_000) });
    return (await readJsonResponse(res, AGENT_RESPONSE_LIMIT, this.what)) as DriverState[];
  }

  /** Samples of the pods' containers: a CPU rate may take the agent a second sample a moment later. */
  async stats(pods?: { namespace: string; name: string }[]): Promise<AgentPodStats> {
    const res = await this.call('/stats', { method: 'POST', body: JSON.stringify(pods ? { pods } : {}), signal: AbortSignal.timeout(30_000) });
    const answer = AgentPodStatsSchema.safeParse(await readJsonResponse(res, STATS_RESPONSE_LIMIT, this.what));
    if (!answer.success) throw new LbError('INTERNAL', `${this.what}: the stats answer is not a stats sample`);
    return answer.data;
  }

  /** An upgraded connection to the agent (mutual TLS, or the agent key); its refusal as its LbError. */
  private async upgrade(path: string, protocol: string): Promise<Duplex> {
    const headers: Record<string, string> = 'key' in this.creds ? { authorization: `Bearer ${this.creds.key}` } : {};
    const tls = 'tls' in this.creds ? { ...this.creds.tls, checkServerIdentity: this.checkIdentity } : undefined;
    try {
      return await openUpgrade(this.endpoint.replace(/\/+$/, '') + path, { protocol, headers, ...(tls ? { tls } : {}) });
    } catch (e) {
      if (e instanceof LbError && e.code === 'UNAVAILABLE' && /cannot open a stream/.test(e.message))
        throw new LbError('UNAVAILABLE', `${this.what} at ${this.endpoint} is not reachable: ${e.message.replace(/^.*: /, '')}`);
      throw e;
    }
  }

  async execStream(ns: string, pod: string, command: string[], o: ExecStreamRequest): Promise<ExecSession> {
    const q = new URLSearchParams({ namespace: ns, pod });
    for (const c of command) q.append('command', c);
    if (o.container) q.set('container', o.container);
    if (o.tty) q.set('tty', 'true');
    if (o.stdin) q.set('stdin', 'true');
    if (o.size) {
      q.set('cols', String(o.size.cols));
      q.set('rows', String(o.size.rows));
    }
    return execSessionOver(await this.upgrade(`/exec/stream?${q}`, EXEC_PROTOCOL), { tty: !!o.tty, stdin: !!o.stdin });
  }

  async portForward(ns: string, pod: string, port: number): Promise<Duplex> {
    return this.upgrade(`/port-forward?${new URLSearchParams({ namespace: ns, pod, port: String(port) })}`, TCP_PROTOCOL);
  }
}
