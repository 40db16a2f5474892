import { Body, Controller, Param } from '@nestjs/common';
import { Resources } from '../../state/resources';
import { Route } from '../route';
import { ROUTES } from '../routes';

@Controller()
export class NamespaceController {
  constructor(private readonly r: Resources) {}

  @Route(ROUTES.namespaces)
  list() {
    return this.r.listNamespaces();
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
  apply(@Param('ns') ns: string, @Body() body: unknown) {
    return this.r.apply(ns, body);
  }

  /** The original's apply: maps of manifests by kind and name (state/apply-map.ts). */
  @Route(ROUTES.applyMap)
  applyMap(@Param('ns') ns: string, @Body() body: unknown) {
    return this.r.applyMap(ns, body);
  }
}
