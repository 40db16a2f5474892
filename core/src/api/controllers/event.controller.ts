// Events: a namespace's (GET /namespace/{ns}/event) and the cluster's (GET /event), as NDJSON, oldest
// first; with follow=true the stream stays open (as logs and the audit trail do); and a node's intake (POST /cluster/node/{node}/events),
// which checks the node speaks of its own pods only and hands them to the recorder without waiting.
import { Body, Controller, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { z } from 'zod';
import { ClusterState } from '../../cluster/cluster';
import { nodeEvents } from '../../events/intake';
import { eventFilter, EventReader, type EventMatch } from '../../events/reader';
import { EventRecorder } from '../../events/recorder';
import { QueryOf, Route } from '../route';
import { EventQuery, ROUTES } from '../routes';

const KEEPALIVE_MS = 15_000;

async function* listed<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

@Controller()
export class EventController {
  constructor(
    @Inject(EventReader) private readonly reader: EventReader,
    @Inject(EventRecorder) private readonly recorder: EventRecorder,
    private readonly cluster: ClusterState,
  ) {}

  @Route(ROUTES.events)
  async namespaceEvents(@Param('ns') ns: string, @QueryOf() q: z.output<typeof EventQuery>, @Res() res: Response) {
    const match = eventFilter(q.for, false);
    await this.cluster.requireNamespace(ns);
    await this.answer(res, ns, match, q.follow === 'true');
  }

  @Route(ROUTES.clusterEvents)
  async clusterEvents(@QueryOf() q: z.output<typeof EventQuery>, @Res() res: Response) {
    await this.answer(res, undefined, eventFilter(q.for, true), q.follow === 'true');
  }

  @Route(ROUTES.reportEvents)
  async report(@Param('node') node: string, @Body() body: unknown) {
    for (const e of await nodeEvents(node, body, this.cluster)) this.recorder.record(e);
  }

  private async answer(res: Response, ns: string | undefined, match: EventMatch, follow: boolean): Promise<void> {
    const ctl = new AbortController();
    res.on('close', () => ctl.abort());
    res.status(200).setHeader('content-type', 'application/x-ndjson').setHeader('cache-control', 'no-store');
    res.flushHeaders();
    // A blank line now and then: proxies keep the connection, and a client notices a dead one.
    const keepalive = follow ? setInterval(() => res.write('\n'), KEEPALIVE_MS) : undefined;
    try {
      const events = follow ? this.reader.follow(ns, match, ctl.signal) : listed(await this.reader.list(ns, match));
      for await (const e of events) {
        if (!res.write(JSON.stringify(e) + '\n')) await new Promise((done) => res.once('drain', done));
      }
    } catch {
      /* the client went away, or the store closed */
    } finally {
      clearInterval(keepalive);
    }
    res.end();
  }
}
