import { Body, Controller, Param, Req, Res } from '@nestjs/common';
import type { z } from 'zod';
import { Auth, isApiCaller } from '../../auth/auth';
import { Resources } from '../../state/resources';
import { LbError, type LogShipment } from '@lastbackend/sdk';
import { LogStore } from '../../logs/log-store';
import type { Response } from 'express';
import { ClusterState } from '../../cluster/cluster';
import { lineOf, NodeStreams } from '../../cluster/node-stream';
import type { AuthedRequest } from '../auth';
import { Payload, Route } from '../route';
import { ROUTES } from '../routes';
import { CaRotation } from '../../tls/ca-rotation';

@Controller()
export class ClusterController {
  constructor(
    private readonly cluster: ClusterState,
    private readonly streams: NodeStreams,
    private readonly auth: Auth,
    private readonly resources: Resources,
    private readonly logStore: LogStore,
    private readonly ca: CaRotation,
  ) {}

  @Route(ROUTES.createToken)
  createToken(@Body() body: unknown) {
    return this.auth.createToken(body);
  }

  @Route(ROUTES.tokens)
  tokens() {
    return this.auth.listTokens();
  }

  @Route(ROUTES.whoami)
  whoami(@Req() req: AuthedRequest) {
    const p = req.principal;
    if (!p || !isApiCaller(p)) throw new LbError('FORBIDDEN', 'whoami takes a token with a role');
    return this.auth.whoami(p);
  }

  /** A new admin token; the server whose data dir keeps the generated one writes the new one there too. */
  @Route(ROUTES.rotateAdminToken)
  async rotateAdminToken(@Body() body: unknown) {
    const r = await this.auth.rotateAdminToken(body);
    this.auth.keepAdminToken?.(r.token);
    return r;
  }

  @Route(ROUTES.rotateSecretKey)
  rotateSecretKey() {
    return this.resources.rotateSecretKey();
  }

  @Route(ROUTES.caStatus)
  caStatus() {
    return this.ca.status();
  }

  @Route(ROUTES.rotateCa)
  rotateCa(@Payload() _: Record<string, never>) {
    return this.ca.begin();
  }

  @Route(ROUTES.finishCaRotation)
  finishCaRotation(@Payload() body: { force?: boolean }) {
    return this.ca.finish(body.force === true);
  }

  @Route(ROUTES.revokeToken)
  revokeToken(@Param('id') id: string) {
    return this.auth.revokeToken(id);
  }

  /** A node joins with a join token and gets its own credential (shown once), over TLS with its certificate. */
  @Route(ROUTES.join)
  join(@Body() body: unknown, @Req() req: AuthedRequest) {
    const p = req.principal;
    if (p?.role !== 'join') throw new LbError('FORBIDDEN', 'joining a node takes a join token from `lb token create --role node`');
    return this.auth.join(p.token, body);
  }

  /** Over plain HTTP: the key this cluster's servers present to the node's agent (derived, never stored). */
  @Route(ROUTES.agentKey)
  agentKey(@Param('node') node: string) {
    return { key: this.auth.agentKeyForNode(node) };
  }

  /** A node's new certificate for its new key (renewal), or the first one of a node that joined over plain HTTP. */
  @Route(ROUTES.certificate)
  certificate(@Param('node') node: string, @Body() body: unknown, @Req() req: AuthedRequest) {
    const p = req.principal;
    if (p?.role !== 'node') throw new LbError('FORBIDDEN', 'only the node itself may ask for its certificate');
    return this.auth.renewCertificate(node, body, p.certified);
  }

  @Route(ROUTES.cluster)
  get() {
    return this.cluster.cluster();
  }

  @Route(ROUTES.nodes)
  nodes() {
    return this.cluster.nodes();
  }

  @Route(ROUTES.node)
  node(@Param('node') node: string) {
    return this.cluster.node(node);
  }

  @Route(ROUTES.deleteNode)
  deleteNode(@Param('node') node: string) {
    return this.cluster.deleteNode(node);
  }

  /** Admin only (a node's credential reaches status, pod, stream, logs and ref only): labels are not the node's to change. */
  @Route(ROUTES.labelNode)
  labelNode(@Param('node') node: string, @Body() body: unknown) {
    return this.cluster.labelNode(node, body);
  }

  @Route(ROUTES.cordonNode)
  cordonNode(@Param('node') node: string) {
    return this.cluster.cordonNode(node, true);
  }

  @Route(ROUTES.uncordonNode)
  uncordonNode(@Param('node') node: string) {
    return this.cluster.cordonNode(node, false);
  }

  @Route(ROUTES.drainNode)
  drainNode(@Param('node') node: string) {
    return this.cluster.drainNode(node);
  }

  @Route(ROUTES.drainStatus)
  drainStatus(@Param('node') node: string) {
    return this.cluster.drainStatus(node);
  }

  /** The original's node meta update: admin only, like labels. */
  @Route(ROUTES.nodeMeta)
  nodeMeta(@Param('node') node: string, @Body() body: unknown) {
    return this.cluster.setNodeMeta(node, body);
  }

  @Route(ROUTES.reportNode)
  reportNode(@Param('node') node: string, @Body() body: unknown, @Req() req: AuthedRequest) {
    return this.cluster.reportNode(node, body, { credentialed: req.principal?.role === 'node' });
  }

  /** Values of a secret or config that a pod of this node uses (env or files). */
  @Route(ROUTES.nodeRef)
  async ref(@Param('node') node: string, @Param('kind') kind: string, @Param('ns') ns: string, @Param('name') name: string) {
    if (kind !== 'secret' && kind !== 'config') throw new LbError('NOT_FOUND', `no such route: unknown kind "${kind}"`);
    await this.cluster.requireUsedOn(node, kind, ns, name);
    return { data: await this.resources.reveal(kind, ns, name) };
  }

  /** The log collector's intake: lines of this node's pods (all or none: a foreign line refuses the shipment, 403 naming it). */
  @Route(ROUTES.shipLogs)
  async logs(@Param('node') node: string, @Payload() { lines }: z.output<typeof LogShipment>) {
    await this.cluster.requireLogSources(node, lines);
    return { stored: await this.logStore.append(lines) };
  }

  @Route(ROUTES.reportPods)
  reportPods(@Param('node') node: string, @Body() body: unknown) {
    return this.cluster.reportPods(node, body);
  }

  /** The node's stream (cluster/node-stream.ts) as NDJSON, until the agent disconnects. */
  @Route(ROUTES.nodeStream)
  async stream(@Param('node') node: string, @Res() res: Response) {
    // Headers go with the first line: a snapshot that cannot be read still answers with an error.
    const write = (text: string) => {
      if (!res.headersSent) res.status(200).setHeader('content-type', 'application/x-ndjson').setHeader('cache-control', 'no-store');
      res.write(text);
    };
    const stream = this.streams.open(node, {
      send: (ev) => write(lineOf(ev) + '\n'),
      keepalive: () => write('\n'),
      fail: (e) => res.destroy(e), // the agent reconnects and starts over from a snapshot
      get closed() {
        return res.destroyed;
      },
    });
    res.on('close', () => stream.close());
    await stream.started;
  }
}
