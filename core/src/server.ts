// `lb server`: API + controller + scheduler + a local agent in one process (the embedded default),
// started and stopped as one Nest module graph (modules/server.module.ts).
import './util/nest-common';
import 'reflect-metadata';
import { chmodSync, mkdirSync } from 'node:fs';
import { writeCliConfig } from './cli/cli-config';
import type { KernelConfig } from './config/config';
import { Kernel } from './kernel/kernel';
import { createLogger, type Logger } from './kernel/logger';
import { startGraph } from './modules/graph';
import { servedBy } from './modules/served';
import { ServerModule } from './modules/server.module';
import { TlsPart } from './modules/tls.module';
import { AuthPart } from './modules/auth.module';
import { VERSION } from './version';

export interface RunningServer {
  url: string;
  token: string;
  kernel: Kernel;
  close(): Promise<void>;
}

export async function runServer(cfg: KernelConfig, log: Logger = createLogger(cfg.log_level, 'lb', undefined, cfg.log?.format)): Promise<RunningServer> {
  mkdirSync(cfg.data_dir, { recursive: true, mode: 0o700 });
  chmodSync(cfg.data_dir, 0o700);
  const served = servedBy(cfg);
  const app = await startGraph(ServerModule.forRoot(cfg, log, served));
  const tls = app.get(TlsPart, { strict: false }).tls;
  // A token rotated away on another server (its data dir still holds the old one) is not written as the CLI's.
  const current = await app.get(AuthPart, { strict: false }).auth.adminTokenValid(served.token);
  if (!current) log.warn('the admin token in the config or data dir was rotated away (lb token rotate): use the current one');
  // The CLI on this machine goes through the socket when there is one: no TLS to set up per command.
  if (served.generated && current) writeCliConfig({ server: served.socket?.url ?? served.url, token: served.token, ...(tls ? { ca: tls.bundle } : {}) });
  log.info(`lb server ${VERSION} listening on ${served.url}${served.socket ? ` and ${served.socket.url}` : ''} (${cfg.node.agent ? `node ${cfg.node.name}` : 'no local agent'}, data ${cfg.data_dir})`);
  // What users pin with `lb login --ca-hash` (also `lb ca hash`, and the end of every join token).
  if (tls) log.info(`cluster CA sha256:${tls.hash} (lb login --server URL --ca-hash sha256:${tls.hash})`);
  let closing: Promise<void> | undefined;
  return { url: served.url, token: served.token, kernel: app.get(Kernel), close: () => (closing ??= app.close()) };
}
