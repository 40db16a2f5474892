import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ExecRequest, limitExecResult, parseOrThrow } from '@lastbackend/sdk';
import { ClusterState } from '../../cluster/cluster';
import { NodeGateway } from '../node-gateway';

@Controller('namespace/:ns')
export class PodController {
  constructor(
    private readonly cluster: ClusterState,
    private readonly gateway: NodeGateway,
  ) {}

  @Get('pod')
  list(@Param('ns') ns: string) {
    return this.cluster.pods(ns);
  }

  @Get('pod/:pod')
  get(@Param('ns') ns: string, @Param('pod') pod: string) {
    return this.cluster.pod(ns, pod);
  }

  @Post('pod/:pod/exec')
  @HttpCode(200)
  async exec(@Param('ns') ns: string, @Param('pod') name: string, @Body() body: unknown) {
    const req = parseOrThrow(ExecRequest, body, 'invalid exec request');
    const pod = await this.cluster.pod(ns, name);
    // Bounded whatever the node's runtime did (a driver that ignores the limit, an agent of an older version).
    return limitExecResult(await (await this.gateway.agent(pod.meta.node)).exec(ns, name, req.command, req.container, req.timeout));
  }

  @Get('endpoint')
  endpoints(@Param('ns') ns: string) {
    return this.cluster.endpoints(ns);
  }
}
