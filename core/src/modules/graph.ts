// Starts a process's module graph (`lb server`, `lb agent`).
import 'reflect-metadata';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Lifecycle } from './lifecycle';

/**
 * Creates the graph and starts it. When a part fails to start, the parts that started are stopped (in
 * the graph's order) and the part's own error is thrown.
 */
export async function startGraph(root: DynamicModule): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(root, { logger: false, abortOnError: false });
  const failure = app.get(Lifecycle).failure;
  if (failure) {
    await app.close();
    throw failure;
  }
  return app;
}
