// GET /cluster/snapshot: the whole state at one revision as NDJSON (snapshot/format.ts), streamed with
// back-pressure. The dump is read from the backend's revision-consistent path (store/types.ts dump()).
import { Controller, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { snapshotLines } from '../../snapshot/format';
import { Store } from '../../store/store';
import { VERSION } from '../../version';
import { Route } from '../route';
import { ROUTES } from '../routes';

@Controller()
export class SnapshotController {
  constructor(@Inject(Store) private readonly store: Store) {}

  @Route(ROUTES.snapshot)
  async snapshot(@Res() res: Response) {
    const d = await this.store.backend.dump();
    res.status(200).setHeader('content-type', 'application/x-ndjson');
    for (const line of snapshotLines(d, { lb: VERSION, backend: this.store.backend.kind })) {
      if (!res.write(line)) await new Promise((done) => res.once('drain', done));
      if (res.destroyed) return;
    }
    res.end();
  }
}
