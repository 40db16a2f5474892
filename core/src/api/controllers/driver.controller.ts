// Drivers of this server's node: list them, swap one (hot: workloads keep running).
import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { DRIVER_KINDS, LbError, parseOrThrow, type DriverKind } from '@lastbackend/sdk';
import { z } from 'zod';
import { Kernel } from '../../kernel/kernel';

const SwapRequest = z
  .object({ package: z.string().min(1), config: z.record(z.string(), z.unknown()).default({}), isolation: z.enum(['in-process', 'process']).optional() })
  .strict();

@Controller('cluster/driver')
export class DriverController {
  constructor(private readonly kernel: Kernel) {}

  @Get()
  list() {
    return this.kernel.states();
  }

  @Put(':kind')
  swap(@Param('kind') kind: string, @Body() body: unknown) {
    if (!(DRIVER_KINDS as readonly string[]).includes(kind)) throw new LbError('INVALID_ARGUMENT', `kind: must be one of ${DRIVER_KINDS.join(', ')}`);
    return this.kernel.swap(kind as DriverKind, parseOrThrow(SwapRequest, body, 'invalid driver swap'));
  }
}
