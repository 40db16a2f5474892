import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { Resources } from '../../state/resources';

@Controller()
export class HealthController {
  @Get('healthz')
  health() {
    return { status: 'ok' };
  }
}

@Controller('namespace')
export class NamespaceController {
  constructor(private readonly r: Resources) {}

  @Get()
  list() {
    return this.r.listNamespaces();
  }

  @Post()
  create(@Body() body: unknown) {
    return this.r.createNamespace(body);
  }

  @Get(':ns')
  get(@Param('ns') ns: string) {
    return this.r.getNamespace(ns);
  }

  @Put(':ns')
  update(@Param('ns') ns: string, @Body() body: unknown) {
    return this.r.updateNamespace(ns, body);
  }

  @Delete(':ns')
  @HttpCode(204)
  remove(@Param('ns') ns: string) {
    return this.r.deleteNamespace(ns);
  }

  @Post(':ns/apply')
  @HttpCode(200)
  apply(@Param('ns') ns: string, @Body() body: unknown) {
    return this.r.apply(ns, body);
  }
}
