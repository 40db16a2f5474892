import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { LbError } from '@lastbackend/sdk';
import { ClusterState } from '../../cluster/cluster';
import { Resources } from '../../state/resources';
import { LogService } from '../logs';

@Controller('namespace/:ns/service')
export class ServiceController {
  constructor(
    private readonly r: Resources,
    private readonly cluster: ClusterState,
    private readonly logs: LogService,
  ) {}

  @Get()
  list(@Param('ns') ns: string) {
    return this.r.getNamespace(ns).then(() => this.r.listServices(ns));
  }

  @Post()
  create(@Param('ns') ns: string, @Body() body: unknown) {
    return this.r.createService(ns, body);
  }

  @Get(':svc')
  get(@Param('ns') ns: string, @Param('svc') svc: string) {
    return this.r.getService(ns, svc);
  }

  @Put(':svc')
  update(@Param('ns') ns: string, @Param('svc') svc: string, @Body() body: unknown) {
    return this.r.updateService(ns, svc, body);
  }

  @Delete(':svc')
  @HttpCode(204)
  remove(@Param('ns') ns: string, @Param('svc') svc: string) {
    return this.r.deleteService(ns, svc);
  }

  @Post(':svc/rollback')
  @HttpCode(200)
  rollback(@Param('ns') ns: string, @Param('svc') svc: string, @Body() body: unknown) {
    return this.r.rollback(ns, svc, body);
  }

  @Get(':svc/deployment')
  deployments(@Param('ns') ns: string, @Param('svc') svc: string) {
    return this.cluster.deployments(ns, svc);
  }

  @Get(':svc/deployment/:d')
  deployment(@Param('ns') ns: string, @Param('svc') svc: string, @Param('d') d: string) {
    return this.cluster.deployment(ns, svc, d);
  }

  @Get(':svc/deployment/:d/pod')
  deploymentPods(@Param('ns') ns: string, @Param('svc') svc: string, @Param('d') d: string) {
    return this.cluster.pods(ns, { service: svc, deployment: d });
  }

  @Get(':svc/pod')
  pods(@Param('ns') ns: string, @Param('svc') svc: string) {
    return this.cluster.pods(ns, { service: svc });
  }

  /** NDJSON log lines of the service's pods, merged in time order; streams with ?follow=true. */
  @Get(':svc/logs')
  async streamLogs(
    @Param('ns') ns: string,
    @Param('svc') svc: string,
    @Query() q: Record<string, string | undefined>,
    @Res() res: Response,
  ) {
    const tail = q.tail === undefined ? undefined : Number(q.tail);
    if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new LbError('INVALID_ARGUMENT', 'tail: must be a whole number ≥ 0');
    const since = q.since === undefined ? undefined : Number(q.since);
    if (since !== undefined && !Number.isFinite(since)) throw new LbError('INVALID_ARGUMENT', 'since: must be unix seconds');
    const ctl = new AbortController();
    res.on('close', () => ctl.abort());
    const lines = await this.logs.serviceLogs(ns, svc, { follow: q.follow === 'true', tail, since, pod: q.pod, local: q.local === 'true', signal: ctl.signal });
    res.status(200).setHeader('content-type', 'application/x-ndjson');
    res.flushHeaders();
    try {
      for await (const l of lines) {
        if (!res.write(JSON.stringify(l) + '\n')) await new Promise((r) => res.once('drain', r));
      }
    } catch {
      /* client went away or the container disappeared: end the stream */
    }
    res.end();
  }
}
