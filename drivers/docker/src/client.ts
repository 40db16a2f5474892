import { Agent } from 'node:http';
import { inspect } from 'node:util';
import Docker from 'dockerode';
import type { DockerDriverConfig } from './config';

/**
 * One engine connection shared by the CRI and the CII. `api` carries the configured request timeout; `stream`
 * has none, for calls that legitimately stay open (log follow, events, exec, wait, stop).
 */
export interface DockerClient {
  api: Docker;
  stream: Docker;
  /** Human-readable engine address, for messages. */
  endpoint: string;
  /** Closes pooled connections. */
  close(): void;
}

export function createClient(config: DockerDriverConfig): DockerClient {
  const agent = new Agent({ keepAlive: true });
  // docker-modem runs util.inspect(options, {showHidden, depth: null}) on every request, even with its
  // debug output off; walking a live agent and its sockets cost ~100 ms of CPU per deploy. Show a name.
  Object.defineProperty(agent, inspect.custom, { value: () => 'http.Agent(docker)' });
  // docker-modem accepts an http.Agent; @types/dockerode does not declare it.
  let base: Docker.DockerOptions & { agent?: Agent };
  let endpoint: string;
  if (config.host) {
    const url = new URL(config.host.includes('://') ? config.host : `tcp://${config.host}`);
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    base = { host: url.hostname, port: url.port || (protocol === 'https' ? 2376 : 2375), protocol };
    endpoint = config.host;
    // https uses its own agent type; let node pick the default one there.
    if (protocol === 'http') base.agent = agent;
  } else {
    base = { socketPath: config.socket, agent };
    endpoint = config.socket;
  }
  const api = new Docker({ ...base, timeout: config.timeout });
  const stream = new Docker(base);
  return { api, stream, endpoint, close: () => agent.destroy() };
}
