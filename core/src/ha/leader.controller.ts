// GET /cluster/leader: which server runs the controller and scheduler now (any server answers).
import { Controller, Inject } from '@nestjs/common';
import { Route } from '../api/route';
import { ROUTES } from '../api/routes';
import type { Leadership, LeaderStatus } from './leader';

export const LEADERSHIP = 'lb:leadership';

@Controller()
export class LeaderController {
  constructor(@Inject(LEADERSHIP) private readonly leadership: Leadership) {}

  @Route(ROUTES.leader)
  leader(): Promise<LeaderStatus> {
    return this.leadership.status();
  }
}
