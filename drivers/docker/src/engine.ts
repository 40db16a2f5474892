// What the CRI and the CII share: identity and the engine health check.
import { type DriverBase, type DriverInfo, type DriverLogger, type ProbeResult } from '@lastbackend/sdk';
import type { DockerClient } from './client';
import { messageOf } from './errors';

/** Pings the engine; never throws. */
export async function probeEngine(client: DockerClient): Promise<ProbeResult> {
  try {
    await client.api.ping();
    return { state: 'ready' };
  } catch (e) {
    return {
      state: 'error',
      message: `docker engine not reachable at ${client.endpoint}: ${messageOf(e)}`,
      fix: 'start the Docker engine (dockerd), or run `npm start` as root to install and start it',
    };
  }
}

/** Identity, probe and dispose of the CRI and the CII, which share one engine connection. */
export abstract class EngineDriver implements DriverBase {
  private disposed = false;

  constructor(
    protected readonly client: DockerClient,
    /** Identity from the package (DriverContext.info). */
    protected readonly about: DriverInfo,
    protected readonly logger: DriverLogger,
    /** Called once on dispose; the connection is shared, so its owner decides when to close it. */
    private readonly onDispose: () => void = () => {},
  ) {}

  info(): DriverInfo {
    return this.about;
  }

  probe(): Promise<ProbeResult> {
    return probeEngine(this.client);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose();
  }
}
