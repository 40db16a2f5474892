// Encodes every object answer into the wire format v1 (the original's views with ours beside them) on
// its way out, picked by the name of the route's answer schema. Handlers and the domain keep working
// with the stored model: nothing stored changes, the translation happens here, at the edge.
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { wire } from '@lastbackend/sdk';
import { map, type Observable } from 'rxjs';
import { routeDefOf, type RouteDef } from './route';

/** How a route's answers are encoded, or undefined when they go out as the handler made them. */
export function wireEncoder(def: RouteDef | undefined, ctx: wire.WireContext): ((value: unknown) => unknown) | undefined {
  const answer = def?.answer;
  if (!answer || !('json' in answer) || !wire.hasWireEncoder(answer.json.name)) return undefined;
  const { name } = answer.json;
  const list = answer.list === true;
  return (value) => wire.encodeAnswer(name, value, list, ctx);
}

export class WireInterceptor implements NestInterceptor {
  constructor(private readonly ctx: wire.WireContext) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const encode = wireEncoder(routeDefOf(context.getHandler()), this.ctx);
    return encode ? next.handle().pipe(map(encode)) : next.handle();
  }
}
