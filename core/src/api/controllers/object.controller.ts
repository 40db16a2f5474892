// Secrets, configs, volumes and routes share one shape of CRUD.
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { LbError, type NamespacedKind } from '@lastbackend/sdk';
import { Resources } from '../../state/resources';

const KINDS: readonly NamespacedKind[] = ['secret', 'config', 'volume', 'route'];

function kindOf(k: string): NamespacedKind {
  if (!(KINDS as string[]).includes(k)) throw new LbError('NOT_FOUND', `no such route: unknown kind "${k}" (one of ${KINDS.join(', ')})`);
  return k as NamespacedKind;
}

@Controller('namespace/:ns')
export class ObjectController {
  constructor(private readonly r: Resources) {}

  @Get(':kind')
  list(@Param('ns') ns: string, @Param('kind') kind: string) {
    return this.r.listObjects(kindOf(kind), ns);
  }

  @Post(':kind')
  create(@Param('ns') ns: string, @Param('kind') kind: string, @Body() body: unknown) {
    return this.r.createObject(kindOf(kind), ns, body);
  }

  @Get(':kind/:name')
  get(@Param('ns') ns: string, @Param('kind') kind: string, @Param('name') name: string) {
    return this.r.getObject(kindOf(kind), ns, name);
  }

  @Put(':kind/:name')
  update(@Param('ns') ns: string, @Param('kind') kind: string, @Param('name') name: string, @Body() body: unknown) {
    return this.r.createObject(kindOf(kind), ns, body, name);
  }

  @Delete(':kind/:name')
  @HttpCode(204)
  remove(@Param('ns') ns: string, @Param('kind') kind: string, @Param('name') name: string) {
    return this.r.deleteObject(kindOf(kind), ns, name);
  }
}
