// Drivers of a node (the server's own by default, any joined node with ?node=): list them, swap one
// (hot: workloads keep running). Joined nodes are reached through their agent.
import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { DRIVER_KINDS, LbError, parseOrThrow, type DriverKind } from '@lastbackend/sdk';
import { DriverGroupSwapRequest, DriverSwapRequest } from '../../config/config';
import { NodeGateway } from '../node-gateway';

@Controller('cluster/driver')
export class DriverController {
  constructor(private readonly gateway: NodeGateway) {}

  private async agent(node: string | undefined) {
    const name = node || this.gateway.localNode();
    if (!name) throw new LbError('INVALID_ARGUMENT', 'node: required, this server runs no agent of its own', { fix: 'name a node with ?node= (lb driver ... --node NAME)' });
    return this.gateway.agent(name);
  }

  @Get()
  async list(@Query('node') node?: string) {
    return (await this.agent(node)).drivers();
  }

  @Put(':kind')
  async swap(@Param('kind') kind: string, @Body() body: unknown, @Query('node') node?: string) {
    if (!(DRIVER_KINDS as readonly string[]).includes(kind)) throw new LbError('INVALID_ARGUMENT', `kind: must be one of ${DRIVER_KINDS.join(', ')}`);
    const swap = parseOrThrow(DriverSwapRequest, body, 'invalid driver swap');
    const [state] = await (await this.agent(node)).swapDrivers([kind as DriverKind], swap);
    return state;
  }

  /** Several kinds to one package, all or none (a runtime with its image service: cri and cii). */
  @Put()
  async swapGroup(@Body() body: unknown, @Query('node') node?: string) {
    const { kinds, ...swap } = parseOrThrow(DriverGroupSwapRequest, body, 'invalid driver swap');
    return (await this.agent(node)).swapDrivers(kinds, swap);
  }
}
