// What the CRI and the CII share: identity and the engine health check.
import { DRIVER_API_VERSION, type DriverInfo, type ProbeResult } from '@lastbackend/sdk';
import type { DockerClient } from './client';
import { messageOf } from './errors';

export const DRIVER_NAME = 'docker';

export const driverInfo = (version: string): DriverInfo => ({ name: DRIVER_NAME, version, api: [DRIVER_API_VERSION] });

/** Pings the engine; never throws. */
export async function probeEngine(client: DockerClient): Promise<ProbeResult> {
  try {
    await client.api.ping();
    return { state: 'ready' };
  } catch (e) {
    return { state: 'error', message: `docker engine not reachable at ${client.endpoint}: ${messageOf(e)}` };
  }
}
