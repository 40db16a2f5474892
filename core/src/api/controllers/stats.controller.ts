// GET /namespace/{ns}/pod/{pod}/stats, /namespace/{ns}/stats and /cluster/stats: what `lb top` shows (api/usage.ts).
import { Controller, Param } from '@nestjs/common';
import type { z } from 'zod';
import { ClusterState } from '../../cluster/cluster';
import { NodeGateway } from '../node-gateway';
import { QueryOf, Route } from '../route';
import { ROUTES, StatsQuery } from '../routes';
import { ResourceUsage } from '../usage';

@Controller()
export class StatsController {
  private readonly usage: ResourceUsage;

  constructor(cluster: ClusterState, gateway: NodeGateway) {
    this.usage = new ResourceUsage(cluster, gateway);
  }

  @Route(ROUTES.podStats)
  pod(@Param('ns') ns: string, @Param('pod') pod: string) {
    return this.usage.pod(ns, pod);
  }

  @Route(ROUTES.namespaceStats)
  pods(@Param('ns') ns: string, @QueryOf() q: z.output<typeof StatsQuery>) {
    return this.usage.pods(ns, q.service);
  }

  @Route(ROUTES.nodeStats)
  nodes() {
    return this.usage.nodes();
  }
}
