// @lastbackend/driver-docker: container runtime (CRI) and image service (CII) on the Docker engine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDriver, DRIVER_API_VERSION } from '@lastbackend/sdk';
import { createClient } from './client';
import { DockerImages } from './cii';
import { configSchema, type DockerDriverConfig } from './config';
import { DockerRuntime } from './cri';
import { DRIVER_NAME } from './engine';

const readVersion = (): string => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
};

export const version = readVersion();

export default defineDriver<DockerDriverConfig>({
  name: DRIVER_NAME,
  version,
  kinds: ['cri', 'cii'],
  api: DRIVER_API_VERSION,
  configSchema,
  create(ctx) {
    const client = createClient(ctx.config);
    // CRI and CII share one connection pool; it closes when both have been disposed.
    let users = 2;
    const release = (): void => {
      if (--users === 0) client.close();
    };
    const cri = new DockerRuntime(client, version, ctx.logger, release);
    const cii = new DockerImages(client, version, ctx.logger, release);
    return { cri, cii };
  },
});

export { configSchema, DEFAULT_SOCKET, type DockerDriverConfig } from './config';
export { DockerRuntime } from './cri';
export { DockerImages } from './cii';
export { createClient, type DockerClient } from './client';
