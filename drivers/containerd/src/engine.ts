// What the CRI and the CII share: identity, the containerd health check and the connection's lifetime.
import { type DriverBase, type DriverInfo, type DriverLogger, type ProbeResult } from '@lastbackend/sdk';
import { messageOf } from './errors';
import type { Containerd } from './grpc';

/** Asks containerd for its version; never throws. */
export async function probeContainerd(ctd: Containerd): Promise<ProbeResult> {
  try {
    await ctd.call('version', 'Version', {}, { timeoutMs: 5000 });
    return { state: 'ready' };
  } catch (e) {
    return {
      state: 'error',
      message:
        `containerd not reachable at ${ctd.address}: ${messageOf(e)}. ` +
        'Fix: start containerd, or set drivers.cri.config.address to its socket',
    };
  }
}

export abstract class ContainerdDriver implements DriverBase {
  private disposed = false;

  constructor(
    protected readonly ctd: Containerd,
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
    return probeContainerd(this.ctd);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.release();
    this.onDispose();
  }

  /** Subclasses stop their own background work here. */
  protected async release(): Promise<void> {}
}
