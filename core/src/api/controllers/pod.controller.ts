import { Controller, Param, Req, Res } from '@nestjs/common';
import { LbError, limitExecResult, type ExecRequest, type Pod } from '@lastbackend/sdk';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import { ClusterState } from '../../cluster/cluster';
import { serveExecSession } from '../../stream/exec-wire';
import { EXEC_PROTOCOL } from '../../stream/frames';
import { joinStreams, TCP_PROTOCOL } from '../../stream/join';
import { execRequestOf, type ExecStreamQuery, type PortForwardQuery } from '../../stream/queries';
import { NodeGateway } from '../node-gateway';
import { Payload, QueryOf, Route } from '../route';
import { ROUTES } from '../routes';
import { acceptUpgrade, requireUpgrade } from '../upgrade';

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

  /** exec -i/-t: the session is opened on the pod's node first, so that a refusal is an ordinary answer. */
  @Route(ROUTES.execStream)
  async execStream(@Param('ns') ns: string, @Param('pod') name: string, @QueryOf() q: z.output<typeof ExecStreamQuery>, @Req() req: Request, @Res() res: Response) {
    requireUpgrade(req, EXEC_PROTOCOL);
    const pod = await this.cluster.pod(ns, name);
    const session = await (await this.agentOf(pod)).execStream(ns, name, q.command, execRequestOf(q));
    await serveExecSession(session, acceptUpgrade(req, res, EXEC_PROTOCOL));
  }

  /** port-forward: the node's agent connects to the port on the pod's own address; then the bytes flow. */
  @Route(ROUTES.portForward)
  async portForward(@Param('ns') ns: string, @Param('pod') name: string, @QueryOf() q: z.output<typeof PortForwardQuery>, @Req() req: Request, @Res() res: Response) {
    requireUpgrade(req, TCP_PROTOCOL);
    const pod = await this.cluster.pod(ns, name);
    const conn = await (await this.agentOf(pod)).portForward(ns, name, q.port);
    await joinStreams(acceptUpgrade(req, res, TCP_PROTOCOL), conn);
  }

  /** The agent of the pod's node; a pod not scheduled yet has none. */
  private agentOf(pod: Pod) {
    if (!pod.meta.node) throw new LbError('FAILED_PRECONDITION', `pod "${pod.meta.name}" is not on a node yet (${pod.status?.state ?? 'pending'})`);
    return this.gateway.agent(pod.meta.node);
  }

  @Route(ROUTES.endpoints)
  endpoints(@Param('ns') ns: string) {
    return this.cluster.endpoints(ns);
  }
}
