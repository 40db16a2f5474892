// Each object this server answers with, encoded as the API sends it (sdk wire format v1), decodes into
// the original Last.Backend's view type (test/contract/original/views.ts, written from its Go source).
import { wire } from '@lastbackend/sdk';
import { WIRE_FIXTURES as F } from '@lastbackend/sdk/testing';
import type { z } from 'zod';
import * as original from './original/views';

const ctx = { suffix: 'lb.local' };
const sent = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const issues = (schema: z.ZodType, v: unknown) => (schema.safeParse(sent(v)).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe("the API's objects decode into the original's views", () => {
  it.each([
    ['Service', original.Service, wire.encodeService(F.service, ctx)],
    ['Service (no network)', original.Service, wire.encodeService(F.bareService, ctx)],
    ['ServiceList', original.ServiceList, [F.service, F.bareService].map((s) => wire.encodeService(s, ctx))],
    ['Namespace', original.Namespace, wire.encodeNamespace(F.namespace, ctx)],
    ['NamespaceList', original.NamespaceList, [F.namespace, F.bareNamespace].map((n) => wire.encodeNamespace(n, ctx))],
    ['Node', original.Node, wire.encodeNode(F.node)],
    ['NodeList', original.NodeList, wire.encodeNodeList([F.node])],
    ['Cluster', original.Cluster, wire.encodeCluster(F.cluster)],
    ['Deployment', original.Deployment, wire.encodeDeployment(F.deployment, ctx)],
    ['DeploymentList', original.DeploymentList, [wire.encodeDeployment(F.deployment, ctx)]],
    ['Pod', original.Pod, wire.encodePod(F.pod)],
    ['PodList', original.PodList, [wire.encodePod(F.pod)]],
    ['Secret', original.Secret, wire.encodeSecret(F.secret)],
    ['Config', original.Config, wire.encodeConfig(F.config)],
    ['Volume', original.Volume, wire.encodeVolume(F.volume)],
    ['Volume (capacity as written)', original.Volume, wire.encodeVolume(F.namedVolume)],
    ['Route', original.Route, wire.encodeRoute(F.route)],
    ['LogMessage', original.LogMessage, wire.encodeLog(F.log, { namespace: 'demo', service: 'web' })],
    ['Job', original.Job, wire.encodeJob(F.job)],
    ['JobList', original.JobList, [F.job, F.bareJob].map(wire.encodeJob)],
    ['Task', original.Task, wire.encodeTask(F.task)],
    ['TaskList', original.TaskList, [F.task, F.queuedTask].map(wire.encodeTask)],
  ])('%s', (_, schema, view) => {
    expect(issues(schema, view)).toEqual([]);
  });

  it("carries the original's fields with the original's values", () => {
    const svc = original.Service.parse(sent(wire.encodeService(F.service, ctx)));
    expect(svc.meta).toMatchObject({ self_link: 'demo:web', endpoint: 'web.demo.lb.local' });
    expect(svc.spec?.network?.ports).toEqual({ '80': '8080/tcp', '443': '443/tcp', '53': '53/udp' });
    const node = original.NodeList.parse(sent(wire.encodeNodeList([F.node])));
    expect(node.n1.status?.state?.ready).toBe(false);
    expect(original.Config.parse(sent(wire.encodeConfig(F.config))).meta?.kind).toBe('text');
    const job = original.Job.parse(sent(wire.encodeJob(F.job)));
    expect(job.spec).toMatchObject({ schedule: '*/5 * * * *', concurrency: { limit: 2, strategy: 'skip' }, resources: { limits: { cpu: '1' }, request: { ram: '64mib' } } });
    expect(job.status?.stats).toMatchObject({ total: 8, active: 3, successful: 3, failed: 2 });
    const task = original.Task.parse(sent(wire.encodeTask(F.task)));
    expect(task.status).toMatchObject({ state: 'cancelled', done: true, canceled: true, error: false, pod: { self_link: 'demo:backup-1a2b3c-2' } });
  });

  it("fails, as Go's decoder does, on a type the original does not have", () => {
    // today's shapes before the wire format: a ports list, a state word, numbers for cpu
    expect(issues(original.Service, { spec: { network: { ports: ['80:8080/tcp'] } } })).not.toEqual([]);
    expect(issues(original.Node, { status: { state: 'ready' } })).not.toEqual([]);
    expect(issues(original.Cluster, { status: { capacity: { cpu: 2000 } } })).not.toEqual([]);
    expect(issues(original.NodeList, [wire.encodeNode(F.node)])).not.toEqual([]);
    // a job and task as stored before the wire format: numbers for resources, the pod's name for status.pod
    expect(issues(original.Job, F.job)).not.toEqual([]);
    expect(issues(original.Task, F.task)).not.toEqual([]);
  });
});
