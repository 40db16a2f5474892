// The scheduler as a module: the placement policy (filter, then score) the controller runs.
import { Module } from '@nestjs/common';
import { defaultScheduler } from '../scheduler/scheduler';

/** Injection token of the Scheduler (scheduler/scheduler.ts) the controller places pods with. */
export const SCHEDULER = Symbol('scheduler');

@Module({ providers: [{ provide: SCHEDULER, useValue: defaultScheduler }], exports: [SCHEDULER] })
export class SchedulerModule {}
