// What anyone may ask without a token: liveness, and the CA bundle an agent checks against its join token's hash.
import { Controller, Header, Inject } from '@nestjs/common';
import { LbError } from '@lastbackend/sdk';
import { Route } from '../route';
import { ROUTES } from '../routes';

/** The cluster CA bundle (PEM) this server serves, or undefined over plain HTTP. */
export const CA_BUNDLE = 'lb:ca-bundle';

@Controller()
export class SystemController {
  constructor(@Inject(CA_BUNDLE) private readonly bundle: string | undefined) {}

  @Route(ROUTES.health)
  health() {
    return { status: 'ok' };
  }

  @Route(ROUTES.cacerts)
  @Header('content-type', 'application/x-pem-file')
  cacerts(): string {
    if (this.bundle === undefined) throw new LbError('NOT_FOUND', 'this server serves plain HTTP: it has no CA bundle');
    return this.bundle;
  }
}
