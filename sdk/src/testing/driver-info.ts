// For a driver's own tests, which create it without the kernel: the DriverContext.info the kernel would hand
// it, read from the driver package's package.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { driverIdentity, identityInfo } from '../drivers/define';
import type { DriverInfo } from '../drivers/types';

export function packageDriverInfo(packageDir: string): DriverInfo {
  return identityInfo(driverIdentity(JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'))));
}
