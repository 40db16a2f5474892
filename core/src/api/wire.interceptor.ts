// Encodes every object answer into the wire format v1 (the original's views with ours beside them) on
// its way out, picked by the name of the route's answer schema. Handlers and the domain keep working
// with the stored model: nothing stored changes, the translation happens here, at the edge.
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { wire } from '@lastbackend/sdk';
import { map, type Observable } from 'rxjs';
import { routeDefOf } from './route';

export class WireInterceptor implements NestInterceptor {
  constructor(private readonly ctx: wire.WireContext) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const answer = routeDefOf(context.getHandler())?.answer;
    if (!answer || !('json' in answer) || !wire.hasWireEncoder(answer.json.name)) return next.handle();
    const { name } = answer.json;
    const list = answer.list === true;
    return next.handle().pipe(map((value: unknown) => wire.encodeAnswer(name, value, list, this.ctx)));
  }
}
