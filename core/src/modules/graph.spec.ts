// Nest calls a module's lifecycle hooks after those of the modules it imports only when they are deeper
// in its module tree ("distance"); at equal distance the order is whatever Nest scanned first. Every
// process graph must therefore place each imported module strictly deeper than its importer.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { DynamicModule } from '@nestjs/common';
import { KernelConfig } from '../config/config';
import { createLogger } from '../kernel/logger';
import { NodeAgentModule } from './node-agent.module';
import type { Served } from './served';
import { ServerModule } from './server.module';

const log = createLogger('silent');
const cfg = (agent: boolean) => KernelConfig.parse({ data_dir: '/nonexistent', listen: '127.0.0.1:1', node: { name: 'n', agent }, drivers: {} });
const served: Served = { host: '127.0.0.1', port: 1, url: 'https://127.0.0.1:1', announced: 'https://127.0.0.1:1', addresses: [], serverId: 'n@x', token: 't', generated: false };

/** Each import edge whose imported module is not strictly deeper than its importer: "importer -> imported (d1 >= d2)". */
async function misordered(root: DynamicModule): Promise<string[]> {
  // preview: the graph is scanned and its distances set, nothing is instantiated or started.
  const app = await NestFactory.createApplicationContext(root, { logger: false, abortOnError: false, preview: true });
  const modules = [...(app as unknown as { container: { getModules(): Map<string, GraphModule> } }).container.getModules().values()];
  const bad: string[] = [];
  for (const m of modules) {
    if (m.isGlobal) continue;
    for (const i of m.imports) {
      if (!i.isGlobal && !(i.distance > m.distance)) bad.push(`${m.metatype.name} -> ${i.metatype.name} (${m.distance} >= ${i.distance})`);
    }
  }
  await app.close();
  return bad;
}
interface GraphModule {
  metatype: { name: string };
  distance: number;
  isGlobal: boolean;
  imports: Set<GraphModule>;
}

describe('module graphs start each module after the modules it imports', () => {
  it('lb server with its local agent', async () => {
    expect(await misordered(ServerModule.forRoot(cfg(true), log, served))).toEqual([]);
  });
  it('lb server, control plane only', async () => {
    expect(await misordered(ServerModule.forRoot(cfg(false), log, served))).toEqual([]);
  });
  it('lb agent', async () => {
    const creds = { node: 'n', token: 't' } as Parameters<typeof NodeAgentModule.forRoot>[2]['creds'];
    expect(await misordered(NodeAgentModule.forRoot(cfg(true), log, { creds, server: 'https://x', address: '127.0.0.1', host: '127.0.0.1', port: 0 }))).toEqual([]);
  });
});
