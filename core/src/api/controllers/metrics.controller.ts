// GET /metrics: this server's Prometheus metrics (with its local agent's when it runs one), the cluster
// gauges read from the store first; GET /cluster/node/{node}/metrics: a node's agent's, through the node
// gateway (a joined node's over mutual TLS: agents serve only the API servers).
import { Controller, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { refreshClusterGauges } from '../../metrics/cluster-gauges';
import { CONTENT_TYPE, serverExposition } from '../../metrics/metrics';
import { Store } from '../../store/store';
import { NodeGateway } from '../node-gateway';
import { Route } from '../route';
import { ROUTES } from '../routes';

@Controller()
export class MetricsController {
  constructor(
    private readonly store: Store,
    private readonly gateway: NodeGateway,
  ) {}

  @Route(ROUTES.metrics)
  async metrics(@Res() res: Response) {
    await refreshClusterGauges(this.store);
    const text = await serverExposition(this.gateway.localNode() !== undefined);
    res.status(200).setHeader('content-type', CONTENT_TYPE);
    res.end(text);
  }

  @Route(ROUTES.nodeMetrics)
  async nodeMetrics(@Param('node') node: string, @Res() res: Response) {
    const text = await (await this.gateway.agent(node)).metrics();
    res.status(200).setHeader('content-type', CONTENT_TYPE);
    res.end(text);
  }
}
