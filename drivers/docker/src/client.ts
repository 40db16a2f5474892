import { Agent } from 'node:http';
import Module from 'node:module';
import { dirname } from 'node:path';
import { inspect } from 'node:util';
import type Docker from 'dockerode';
import type { DockerDriverConfig } from './config';

/**
 * The files through which dockerode loads what this driver never uses: docker-modem's ssh:// transport
 * (ssh2 and its native crypto helpers, ~13 MB) and BuildKit sessions of image builds (gRPC and its proto
 * loader, ~8 MB). The driver talks to the engine over a unix socket or tcp/http/https (config.ts) and builds
 * no images.
 */
const UNUSED: readonly { file: string; what: string }[] = [
  { file: 'docker-modem/lib/ssh.js', what: 'the ssh:// engine transport' },
  { file: 'dockerode/lib/session.js', what: 'BuildKit sessions' },
];

/**
 * dockerode, with the UNUSED files put in node's module cache first as stand-ins that say what is missing if
 * ever called, so what they require never loads. A dockerode whose files moved loads as it is.
 */
function loadDockerode(): typeof Docker {
  const from = dirname(require.resolve('dockerode/package.json'));
  for (const { file, what } of UNUSED) {
    let path: string;
    try {
      path = require.resolve(file, { paths: [from] });
    } catch {
      continue;
    }
    if (require.cache[path]) continue;
    const standIn = new Module(path);
    standIn.filename = path;
    standIn.loaded = true;
    standIn.exports = () => {
      throw new Error(`@lastbackend/driver-docker does not use ${what} (${file} is not loaded)`);
    };
    require.cache[path] = standIn;
  }
  return require('dockerode') as typeof Docker;
}

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
  const Docker = loadDockerode();
  const api = new Docker({ ...base, timeout: config.timeout });
  const stream = new Docker(base);
  return { api, stream, endpoint, close: () => agent.destroy() };
}
