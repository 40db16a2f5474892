// The original's routes that have no meaning here, or not yet (routes.ts NOT_IMPLEMENTED_ROUTES): each
// answers 501 with the message that names what replaces it, never a 404.
import { Controller, type Type } from '@nestjs/common';
import { LbError } from '@lastbackend/sdk';
import { openApiPath, Route, type RouteDef } from '../route';
import { NOT_IMPLEMENTED_ROUTES } from '../routes';

function refuse(def: RouteDef): () => never {
  const message = 'notImplemented' in def.answer ? def.answer.notImplemented : 'no replacement';
  return () => {
    throw new LbError('NOT_IMPLEMENTED', `${def.method} ${openApiPath(def.path)} is not served here: ${message}`);
  };
}

function notImplementedController(): Type<unknown> {
  @Controller()
  class NotImplementedController {}
  for (const [key, def] of Object.entries(NOT_IMPLEMENTED_ROUTES)) {
    const descriptor: PropertyDescriptor = { value: refuse(def), writable: true, configurable: true };
    Object.defineProperty(NotImplementedController.prototype, key, descriptor);
    Route(def)(NotImplementedController.prototype, key, descriptor);
  }
  return NotImplementedController;
}

export const NotImplementedController = notImplementedController();
