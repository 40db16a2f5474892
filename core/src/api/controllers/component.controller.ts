// The original's GET /ingress and /discovery, over this project's components (cluster/components.ts).
import { Controller, Inject, Optional, Param } from '@nestjs/common';
import { ClusterState } from '../../cluster/cluster';
import { componentOf, componentsOf, type ServerComponent } from '../../cluster/components';
import { Route } from '../route';
import { ROUTES } from '../routes';

/** The plugins this server runs itself (its ingress, when enabled). */
export const SERVER_COMPONENTS = 'lb:server-components';

@Controller()
export class ComponentController {
  constructor(
    private readonly cluster: ClusterState,
    @Optional() @Inject(SERVER_COMPONENTS) private readonly own: readonly ServerComponent[] = [],
  ) {}

  @Route(ROUTES.ingresses)
  async ingresses() {
    return componentsOf('ingress', await this.cluster.nodes(), this.own);
  }

  @Route(ROUTES.ingress)
  async ingress(@Param('name') name: string) {
    return componentOf('ingress', await this.cluster.nodes(), name, this.own);
  }

  @Route(ROUTES.discoveries)
  async discoveries() {
    return componentsOf('discovery', await this.cluster.nodes());
  }

  @Route(ROUTES.discovery)
  async discovery(@Param('name') name: string) {
    return componentOf('discovery', await this.cluster.nodes(), name);
  }
}
