// @lastbackend/driver-containerd: container runtime (CRI) and image service (CII) on containerd's gRPC API.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDriver, DRIVER_API_VERSION } from '@lastbackend/sdk';
import { ContainerdImages } from './cii';
import { configSchema, type ContainerdDriverConfig } from './config';
import { ContainerdRuntime } from './cri';
import { DRIVER_NAME } from './engine';
import { Containerd } from './grpc';

const readVersion = (): string => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
};

export const version = readVersion();

export default defineDriver<ContainerdDriverConfig>({
  name: DRIVER_NAME,
  version,
  kinds: ['cri', 'cii'],
  api: DRIVER_API_VERSION,
  configSchema,
  create(ctx) {
    const ctd = new Containerd(ctx.config.address, ctx.config.namespace);
    // CRI and CII share one channel; it closes when both have been disposed.
    let users = 2;
    const release = (): void => {
      if (--users === 0) ctd.close();
    };
    const cri = new ContainerdRuntime(ctd, ctx.config, ctx.stateDir, version, ctx.logger, release);
    const cii = new ContainerdImages(ctd, ctx.config, version, ctx.logger, release);
    return { cri, cii };
  },
});

export { configSchema, DEFAULT_ADDRESS, type ContainerdDriverConfig } from './config';
export { ContainerdRuntime } from './cri';
export { ContainerdImages } from './cii';
export { Containerd } from './grpc';
