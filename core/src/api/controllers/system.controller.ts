// What anyone may ask without a token: liveness, readiness, and the CA bundle an agent checks against its
// join token's hash.
import { Controller, Header, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { LbError } from '@lastbackend/sdk';
import type { Leadership } from '../../ha/leader';
import { LEADERSHIP } from '../../ha/leader.controller';
import { Kernel } from '../../kernel/kernel';
import { keys } from '../../store/keys';
import { Store } from '../../store/store';
import { readiness } from '../readiness';
import { Route } from '../route';
import { ROUTES } from '../routes';

/** The cluster CA bundle (PEM) this server serves now, or undefined over plain HTTP. */
export const CA_BUNDLE = 'lb:ca-bundle';

@Controller()
export class SystemController {
  constructor(
    @Inject(CA_BUNDLE) private readonly bundle: () => string | undefined,
    private readonly store: Store,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
    private readonly kernel: Kernel,
  ) {}

  /** /healthz is /livez under its older name. */
  @Route(ROUTES.health)
  health() {
    return { status: 'ok' };
  }

  @Route(ROUTES.livez)
  livez() {
    return { status: 'ok' };
  }

  @Route(ROUTES.readyz)
  async readyz(@Res() res: Response) {
    const r = await readiness({
      readStore: () => this.store.get(keys.namespace('default')),
      leader: () => this.leadership.status(),
      drivers: () => this.kernel.states(),
    });
    res.status(r.status === 'ready' ? 200 : 503).json(r);
  }

  @Route(ROUTES.cacerts)
  @Header('content-type', 'application/x-pem-file')
  cacerts(): string {
    const bundle = this.bundle();
    if (bundle === undefined) throw new LbError('NOT_FOUND', 'this server serves plain HTTP: it has no CA bundle');
    return bundle;
  }
}
