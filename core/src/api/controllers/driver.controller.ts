// Drivers of a node (the server's own by default, any joined node with ?node=): list them, swap one
// (hot: workloads keep running). Joined nodes are reached through their agent.
import { Controller, Param } from '@nestjs/common';
import { DRIVER_KINDS, LbError, type DriverKind } from '@lastbackend/sdk';
import type { z } from 'zod';
import type { DriverGroupSwapRequest, DriverSwapRequest } from '../../config/config';
import { NodeGateway } from '../node-gateway';
import { Payload, QueryOf, Route } from '../route';
import { ROUTES, type DriverQuery } from '../routes';

@Controller()
export class DriverController {
  constructor(private readonly gateway: NodeGateway) {}

  private async agent(node: string | undefined) {
    const name = node || this.gateway.localNode();
    if (!name) throw new LbError('INVALID_ARGUMENT', 'node: required, this server runs no agent of its own', { fix: 'name a node with ?node= (lb driver ... --node NAME)' });
    return this.gateway.agent(name);
  }

  @Route(ROUTES.drivers)
  async list(@QueryOf() { node }: DriverQuery) {
    return (await this.agent(node)).drivers();
  }

  @Route(ROUTES.swapDriver)
  async swap(@Param('kind') kind: string, @Payload() swap: z.output<typeof DriverSwapRequest>, @QueryOf() { node }: DriverQuery) {
    if (!(DRIVER_KINDS as readonly string[]).includes(kind)) throw new LbError('INVALID_ARGUMENT', `kind: must be one of ${DRIVER_KINDS.join(', ')}`);
    const [state] = await (await this.agent(node)).swapDrivers([kind as DriverKind], swap);
    return state;
  }

  /** Several kinds to one package, all or none (a runtime with its image service: cri and cii). */
  @Route(ROUTES.swapDrivers)
  async swapGroup(@Payload() body: z.output<typeof DriverGroupSwapRequest>, @QueryOf() { node }: DriverQuery) {
    const { kinds, ...swap } = body;
    return (await this.agent(node)).swapDrivers(kinds, swap);
  }
}
