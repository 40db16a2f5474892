// @lastbackend/driver-docker: container runtime (CRI) and image service (CII) on the Docker engine.
// Its identity (name, version, kinds, driver API) is its package.json's; the kernel hands it over as ctx.info.
import { join } from 'node:path';
import { defineDriver } from '@lastbackend/sdk';
import { createClient } from './client';
import { DockerImages } from './cii';
import { configSchema, type DockerDriverConfig } from './config';
import { DockerRuntime } from './cri';

export default defineDriver<DockerDriverConfig>({
  configSchema,
  create(ctx) {
    const client = createClient(ctx.config);
    // CRI and CII share one connection pool; it closes when both have been disposed.
    let users = 2;
    const release = (): void => {
      if (--users === 0) client.close();
    };
    // An engine on this machine mounts the /etc files the runtime writes; a remote one could not see them.
    const cri = new DockerRuntime(client, ctx.info, ctx.logger, release, ctx.config.host ? undefined : join(ctx.stateDir, 'etc'));
    const cii = new DockerImages(client, ctx.info, ctx.logger, release);
    return { cri, cii };
  },
});

export { configSchema, DEFAULT_SOCKET, type DockerDriverConfig } from './config';
export { DockerRuntime } from './cri';
export { DockerImages } from './cii';
export { createClient, type DockerClient } from './client';
