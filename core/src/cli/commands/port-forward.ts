// `lb port-forward POD|SERVICE [LOCAL:]REMOTE [...]`: listens on 127.0.0.1:LOCAL and carries each connection
// through the API server (an upgraded connection per TCP connection) to the pod's node agent, which connects
// to the pod's own address at REMOTE. A service stands for one of its ready pods, picked once at start.
// Runs until SIGINT/SIGTERM, which closes the listeners and every open connection.
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Command } from 'commander';
import { CliContext, DEFAULT_NAMESPACE } from '../context';
import { oneLine } from '../output';
import { parsePortSpecs, type PortSpec } from '../port-spec';
import { joinStreams } from '../../stream/join';
import { execPod } from './exec';

const HOST = '127.0.0.1';

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

export function registerPortForward(program: Command, ctx: CliContext): void {
  program
    .command('port-forward')
    .description("forward local ports to a pod's ports through the API server (a service: one of its ready pods)")
    .usage('[options] POD|SERVICE [LOCAL:]REMOTE [...]')
    .argument('<target>', 'a pod, or a service (one of its ready pods); pod/NAME or service/NAME when both have the name')
    .argument('<ports...>', 'REMOTE, LOCAL:REMOTE, or :REMOTE (a free local port); LOCAL listens on 127.0.0.1')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action(async (target: string, ports: string[], opts: { namespace: string }) => {
      const specs = parsePortSpecs(ports);
      const client = ctx.client();
      const ns = opts.namespace;
      const pod = await execPod(client, ns, target, 'port-forward');
      const servers: Server[] = [];
      const open = new Set<Duplex>();
      const forward = (local: Socket, spec: PortSpec) => {
        open.add(local);
        local.on('error', () => undefined);
        local.once('close', () => open.delete(local));
        client.portForward(ns, pod, spec.remote).then(
          (remote) => {
            open.add(remote);
            remote.once('close', () => open.delete(remote));
            void joinStreams(local, remote);
          },
          (e: Error) => {
            ctx.err(`port-forward: a connection to port ${spec.remote} of pod ${pod} failed: ${oneLine(e.message)}`);
            local.destroy();
          },
        );
      };
      try {
        for (const spec of specs) {
          const server = createServer({ pauseOnConnect: true }, (c) => forward(c, spec));
          servers.push(server);
          const port = await listen(server, spec.local);
          ctx.out(`Forwarding from ${HOST}:${port} -> ${spec.remote}`);
        }
        await new Promise<void>((resolve) => {
          const stop = ctx.io.onInterrupt(() => {
            stop();
            resolve();
          });
        });
      } finally {
        for (const s of servers) s.close();
        for (const c of open) c.destroy();
      }
    });
}
