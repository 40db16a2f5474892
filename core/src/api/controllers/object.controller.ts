// Secrets, configs, volumes and routes share one shape of CRUD: one controller per kind, made from the
// kind's route definitions.
import { Body, Controller, Param, type Type } from '@nestjs/common';
import type { NamespacedKind } from '@lastbackend/sdk';
import { Resources } from '../../state/resources';
import { Route } from '../route';
import { OBJECT_KINDS, OBJECT_ROUTES } from '../routes';

function objectController(kind: NamespacedKind): Type<unknown> {
  const routes = OBJECT_ROUTES[kind];

  @Controller()
  class ObjectController {
    constructor(readonly r: Resources) {}

    @Route(routes.list)
    list(@Param('ns') ns: string) {
      return this.r.listObjects(kind, ns);
    }

    @Route(routes.create)
    create(@Param('ns') ns: string, @Body() body: unknown) {
      return this.r.createObject(kind, ns, body);
    }

    @Route(routes.get)
    get(@Param('ns') ns: string, @Param('name') name: string) {
      return this.r.getObject(kind, ns, name);
    }

    @Route(routes.replace)
    replace(@Param('ns') ns: string, @Param('name') name: string, @Body() body: unknown) {
      return this.r.createObject(kind, ns, body, name);
    }

    @Route(routes.remove)
    remove(@Param('ns') ns: string, @Param('name') name: string) {
      return this.r.deleteObject(kind, ns, name);
    }
  }
  Object.defineProperty(ObjectController, 'name', { value: `${kind[0].toUpperCase()}${kind.slice(1)}Controller` });
  return ObjectController;
}

export const OBJECT_CONTROLLERS = OBJECT_KINDS.map(objectController);
