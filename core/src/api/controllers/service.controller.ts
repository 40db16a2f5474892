import { Body, Controller, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { z } from 'zod';
import { wire } from '@lastbackend/sdk';
import { ClusterState } from '../../cluster/cluster';
import { Resources } from '../../state/resources';
import { LogService } from '../logs';
import { QueryOf, Route } from '../route';
import { LogsQuery, ROUTES } from '../routes';

@Controller()
export class ServiceController {
  constructor(
    private readonly r: Resources,
    private readonly cluster: ClusterState,
    private readonly logs: LogService,
  ) {}

  @Route(ROUTES.services)
  list(@Param('ns') ns: string) {
    return this.r.getNamespace(ns).then(() => this.r.listServices(ns));
  }

  @Route(ROUTES.createService)
  create(@Param('ns') ns: string, @Body() body: unknown) {
    return this.r.createService(ns, body);
  }

  @Route(ROUTES.service)
  get(@Param('ns') ns: string, @Param('svc') svc: string) {
    return this.r.getService(ns, svc);
  }

  @Route(ROUTES.updateService)
  update(@Param('ns') ns: string, @Param('svc') svc: string, @Body() body: unknown) {
    return this.r.updateService(ns, svc, body);
  }

  @Route(ROUTES.deleteService)
  remove(@Param('ns') ns: string, @Param('svc') svc: string) {
    return this.r.deleteService(ns, svc);
  }

  @Route(ROUTES.rollback)
  rollback(@Param('ns') ns: string, @Param('svc') svc: string, @Body() body: unknown) {
    return this.r.rollback(ns, svc, body);
  }

  @Route(ROUTES.deployments)
  deployments(@Param('ns') ns: string, @Param('svc') svc: string) {
    return this.cluster.deployments(ns, svc);
  }

  @Route(ROUTES.deployment)
  deployment(@Param('ns') ns: string, @Param('svc') svc: string, @Param('d') d: string) {
    return this.cluster.deployment(ns, svc, d);
  }

  /** The original's deployment writes, mapped onto service updates: the controller stays their only writer. */
  @Route(ROUTES.createDeployment)
  createDeployment(@Param('ns') ns: string, @Param('svc') svc: string, @Body() body: unknown) {
    return this.r.createDeployment(ns, svc, body);
  }

  @Route(ROUTES.updateDeployment)
  updateDeployment(@Param('ns') ns: string, @Param('svc') svc: string, @Param('d') d: string, @Body() body: unknown) {
    return this.r.updateDeployment(ns, svc, d, body);
  }

  @Route(ROUTES.deleteDeployment)
  deleteDeployment(@Param('ns') ns: string, @Param('svc') svc: string, @Param('d') d: string) {
    return this.r.deleteDeployment(ns, svc, d);
  }

  @Route(ROUTES.deploymentPods)
  deploymentPods(@Param('ns') ns: string, @Param('svc') svc: string, @Param('d') d: string) {
    return this.cluster.pods(ns, { service: svc, deployment: d });
  }

  @Route(ROUTES.servicePods)
  pods(@Param('ns') ns: string, @Param('svc') svc: string) {
    return this.cluster.pods(ns, { service: svc });
  }

  /** NDJSON log lines of the service's pods, merged in time order, as the original's log messages; streams with ?follow=true. */
  @Route(ROUTES.serviceLogs)
  async streamLogs(@Param('ns') ns: string, @Param('svc') svc: string, @QueryOf() q: z.output<typeof LogsQuery>, @Res() res: Response) {
    const ctl = new AbortController();
    res.on('close', () => ctl.abort());
    const lines = await this.logs.serviceLogs(ns, svc, { follow: q.follow === 'true', tail: q.tail, since: q.since, pod: q.pod, local: q.local === 'true', signal: ctl.signal });
    const where = { namespace: ns, service: svc };
    res.status(200).setHeader('content-type', 'application/x-ndjson');
    res.flushHeaders();
    try {
      for await (const l of lines) {
        if (!res.write(JSON.stringify(wire.encodeLog(l, where)) + '\n')) await new Promise((r) => res.once('drain', r));
      }
    } catch {
      /* client went away or the container disappeared: end the stream */
    }
    res.end();
  }
}
