import { Controller, Param } from '@nestjs/common';
import { limitExecResult, type ExecRequest } from '@lastbackend/sdk';
import type { z } from 'zod';
import { ClusterState } from '../../cluster/cluster';
import { NodeGateway } from '../node-gateway';
import { Payload, Route } from '../route';
import { ROUTES } from '../routes';

@Controller()
export class PodController {
  constructor(
    private readonly cluster: ClusterState,
    private readonly gateway: NodeGateway,
  ) {}

  @Route(ROUTES.pods)
  list(@Param('ns') ns: string) {
    return this.cluster.pods(ns);
  }

  @Route(ROUTES.pod)
  get(@Param('ns') ns: string, @Param('pod') pod: string) {
    return this.cluster.pod(ns, pod);
  }

  @Route(ROUTES.exec)
  async exec(@Param('ns') ns: string, @Param('pod') name: string, @Payload() req: z.output<typeof ExecRequest>) {
    const pod = await this.cluster.pod(ns, name);
    // Bounded whatever the node's runtime did (a driver that ignores the limit, an agent of an older version).
    return limitExecResult(await (await this.gateway.agent(pod.meta.node)).exec(ns, name, req.command, req.container, req.timeout));
  }

  @Route(ROUTES.endpoints)
  endpoints(@Param('ns') ns: string) {
    return this.cluster.endpoints(ns);
  }
}
