// GET /cluster/leader: which server runs the controller and scheduler now (any server answers).
import { Controller, Get, Inject } from '@nestjs/common';
import type { Leadership, LeaderStatus } from './leader';

export const LEADERSHIP = 'lb:leadership';

@Controller('cluster')
export class LeaderController {
  constructor(@Inject(LEADERSHIP) private readonly leadership: Leadership) {}

  @Get('leader')
  leader(): Promise<LeaderStatus> {
    return this.leadership.status();
  }
}
