// @lastbackend/driver-containerd: container runtime (CRI) and image service (CII) on containerd's gRPC API.
// Its identity (name, version, kinds, driver API) is its package.json's; the kernel hands it over as ctx.info.
import { defineDriver } from '@lastbackend/sdk';
import { ContainerdImages } from './cii';
import { configSchema, type ContainerdDriverConfig } from './config';
import { ContainerdRuntime } from './cri';
import { Containerd } from './grpc';

export default defineDriver<ContainerdDriverConfig>({
  configSchema,
  create(ctx) {
    const ctd = new Containerd(ctx.config.address, ctx.config.namespace);
    // CRI and CII share one channel; it closes when both have been disposed.
    let users = 2;
    const release = (): void => {
      if (--users === 0) ctd.close();
    };
    const cri = new ContainerdRuntime(ctd, ctx.config, ctx.stateDir, ctx.info, ctx.logger, release);
    const cii = new ContainerdImages(ctd, ctx.config, ctx.info, ctx.logger, release);
    return { cri, cii };
  },
});

export { configSchema, DEFAULT_ADDRESS, type ContainerdDriverConfig } from './config';
export { ContainerdRuntime } from './cri';
export { ContainerdImages } from './cii';
export { Containerd } from './grpc';
