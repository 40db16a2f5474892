import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import { Auth } from '../../auth/auth';
import { Resources } from '../../state/resources';
import { LbError, LogShipment, parseOrThrow } from '@lastbackend/sdk';
import { LogStore } from '../../logs/log-store';
import type { Response } from 'express';
import type { NodeStreamEvent, Pod, Volume } from '@lastbackend/sdk';
import { ClusterState } from '../../cluster/cluster';
import { PREFIX } from '../../store/keys';
import { Store, type StoreEvent } from '../../store/store';
import { serialRefresh } from '../serial-refresh';
import type { AuthedRequest } from '../auth';

const KEEPALIVE_MS = 15_000;
/** A burst of endpoint changes (a rollout, many pods getting ready) goes out as one table. */
const TABLE_COALESCE_MS = 100;

@Controller('cluster')
export class ClusterController {
  constructor(
    private readonly cluster: ClusterState,
    private readonly store: Store,
    private readonly auth: Auth,
    private readonly resources: Resources,
    private readonly logStore: LogStore,
  ) {}

  @Post('token')
  createToken(@Body() body: unknown) {
    return this.auth.createToken(body);
  }

  @Get('token')
  tokens() {
    return this.auth.listTokens();
  }

  @Delete('token/:id')
  @HttpCode(204)
  revokeToken(@Param('id') id: string) {
    return this.auth.revokeToken(id);
  }

  /** A node joins with a join token and gets its own credential (shown once), over TLS with its certificate. */
  @Post('join')
  join(@Body() body: unknown, @Req() req: AuthedRequest) {
    const p = req.principal;
    if (p?.role !== 'join') throw new LbError('FORBIDDEN', 'joining a node takes a join token from `lb token create --role node`');
    return this.auth.join(p.token, body);
  }

  /** Over plain HTTP: the key this cluster's servers present to the node's agent (derived, never stored). */
  @Get('node/:node/agent-key')
  agentKey(@Param('node') node: string) {
    return { key: this.auth.agentKeyForNode(node) };
  }

  /** A node's new certificate for its new key (renewal), or the first one of a node that joined over plain HTTP. */
  @Post('node/:node/certificate')
  @HttpCode(200)
  certificate(@Param('node') node: string, @Body() body: unknown, @Req() req: AuthedRequest) {
    const p = req.principal;
    if (p?.role !== 'node') throw new LbError('FORBIDDEN', 'only the node itself may ask for its certificate');
    return this.auth.renewCertificate(node, body, p.certified);
  }

  @Get()
  get() {
    return this.cluster.cluster();
  }

  @Get('node')
  nodes() {
    return this.cluster.nodes();
  }

  @Get('node/:node')
  node(@Param('node') node: string) {
    return this.cluster.node(node);
  }

  @Delete('node/:node')
  @HttpCode(204)
  deleteNode(@Param('node') node: string) {
    return this.cluster.deleteNode(node);
  }

  /** Admin only (a node's credential reaches status, pod, stream, logs and ref only): labels are not the node's to change. */
  @Put('node/:node/labels')
  labelNode(@Param('node') node: string, @Body() body: unknown) {
    return this.cluster.labelNode(node, body);
  }

  @Put('node/:node/status')
  reportNode(@Param('node') node: string, @Body() body: unknown, @Req() req: AuthedRequest) {
    return this.cluster.reportNode(node, body, { credentialed: req.principal?.role === 'node' });
  }

  /** Values of a secret or config that a pod of this node uses (env or files). */
  @Get('node/:node/ref/:kind/:ns/:name')
  async ref(@Param('node') node: string, @Param('kind') kind: string, @Param('ns') ns: string, @Param('name') name: string) {
    if (kind !== 'secret' && kind !== 'config') throw new LbError('NOT_FOUND', `no such route: unknown kind "${kind}"`);
    await this.cluster.requireUsedOn(node, kind, ns, name);
    return { data: await this.resources.reveal(kind, ns, name) };
  }

  /** The log collector's intake: lines of this node's pods (all or none: a foreign line refuses the shipment, 403 naming it). */
  @Post('node/:node/logs')
  @HttpCode(200)
  async logs(@Param('node') node: string, @Body() body: unknown) {
    const { lines } = parseOrThrow(LogShipment, body, 'invalid log shipment');
    await this.cluster.requireLogSources(node, lines);
    return { stored: await this.logStore.append(lines) };
  }

  @Put('node/:node/pod')
  @HttpCode(204)
  reportPods(@Param('node') node: string, @Body() body: unknown) {
    return this.cluster.reportPods(node, body);
  }

  /** The node's pods pushed as NDJSON: a snapshot, then every change, until the agent disconnects. */
  @Get('node/:node/stream')
  async stream(@Param('node') node: string, @Res() res: Response) {
    const send = (ev: NodeStreamEvent) => res.write(JSON.stringify(ev) + '\n');
    let buffered: StoreEvent[] | undefined = [];
    const onEvent = (ev: StoreEvent) => {
      const pod = ev.value as Pod | undefined;
      const prev = ev.prev as Pod | undefined;
      if (pod && pod.meta.node === node) send({ type: 'upsert', pod, revision: ev.revision });
      else if (prev && prev.meta.node === node) send({ type: 'delete', namespace: prev.meta.namespace, name: prev.meta.name, revision: ev.revision });
    };
    // Subscribe before reading the snapshot, so nothing between the two is missed.
    const unwatch = this.store.watch(PREFIX.pods, (ev) => (buffered ? buffered.push(ev) : onEvent(ev)));
    // The overlay map goes out whole whenever a node's subnet or address changes, or a node comes or goes.
    // Both maps are sent by serial refreshes: an older read never goes out after a newer one.
    const fail = (e: Error) => res.destroy(e); // the agent reconnects and starts over from a snapshot
    let lastMap = '';
    const sendMap = serialRefresh(async () => {
      const nodes = await this.cluster.networkMap();
      const text = JSON.stringify(nodes);
      if (text === lastMap || res.destroyed) return;
      lastMap = text;
      send({ type: 'network', nodes, revision: this.store.revision });
    }, fail);
    const unwatchNodes = this.store.watch(PREFIX.nodes, () => void sendMap());
    const unwatchVolumes = this.store.watch('volume/', (ev) => {
      const v = ev.prev as Volume | undefined;
      if (ev.type === 'del' && v?.status.node === node) send({ type: 'volume-deleted', namespace: v.meta.namespace, name: v.meta.name, revision: ev.revision });
    });
    // The service table goes out whole too, coalescing bursts of endpoint changes.
    let lastTable = '';
    let pending: NodeJS.Timeout | undefined;
    const sendTable = serialRefresh(async () => {
      const table = await this.cluster.serviceTable();
      const text = JSON.stringify(table);
      if (text === lastTable || res.destroyed) return;
      lastTable = text;
      send({ type: 'services', table, revision: this.store.revision });
    }, fail);
    const onServiceChange = () =>
      (pending ??= setTimeout(() => {
        pending = undefined;
        void sendTable();
      }, TABLE_COALESCE_MS));
    const unwatchServices = [this.store.watch('service/', onServiceChange), this.store.watch('endpoint/', onServiceChange)];
    const keepalive = setInterval(() => res.write('\n'), KEEPALIVE_MS);
    res.on('close', () => {
      unwatch();
      unwatchNodes();
      unwatchVolumes();
      for (const u of unwatchServices) u();
      if (pending) clearTimeout(pending);
      clearInterval(keepalive);
    });
    const revision = this.store.revision;
    const pods = (await this.store.list<Pod>(PREFIX.pods)).filter((p) => p.meta.node === node);
    res.status(200).setHeader('content-type', 'application/x-ndjson');
    res.setHeader('cache-control', 'no-store');
    send({ type: 'snapshot', pods, revision });
    for (const ev of buffered) if (ev.revision > revision) onEvent(ev);
    buffered = undefined;
    await sendMap();
    await sendTable();
  }
}
