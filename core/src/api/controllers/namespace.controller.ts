import { Body, Controller, Param, Req } from '@nestjs/common';
import { Resources } from '../../state/resources';
import { applyGuard, visible } from '../access';
import type { AuthedRequest } from '../auth';
import { Route } from '../route';
import { ROUTES } from '../routes';

@Controller()
export class NamespaceController {
  constructor(private readonly r: Resources) {}

  @Route(ROUTES.namespaces)
  async list(@Req() req: AuthedRequest) {
    return visible(req.principal, await this.r.listNamespaces());
  }

  @Route(ROUTES.createNamespace)
  create(@Body() body: unknown) {
    return this.r.createNamespace(body);
  }

  @Route(ROUTES.namespace)
  get(@Param('ns') ns: string) {
    return this.r.getNamespace(ns);
  }

  @Route(ROUTES.updateNamespace)
  update(@Param('ns') ns: string, @Body() body: unknown) {
    return this.r.updateNamespace(ns, body);
  }

  @Route(ROUTES.deleteNamespace)
  remove(@Param('ns') ns: string) {
    return this.r.deleteNamespace(ns);
  }

  @Route(ROUTES.apply)
  apply(@Param('ns') ns: string, @Body() body: unknown, @Req() req: AuthedRequest) {
    return this.r.apply(ns, body, applyGuard(req.principal));
  }

  /** The original's apply: maps of manifests by kind and name (state/apply-map.ts). */
  @Route(ROUTES.applyMap)
  applyMap(@Param('ns') ns: string, @Body() body: unknown, @Req() req: AuthedRequest) {
    return this.r.applyMap(ns, body, applyGuard(req.principal));
  }
}
