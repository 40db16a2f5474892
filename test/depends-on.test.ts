// Start order (spec.depends_on) on a real server with Docker: a rollout's pods wait for the services it
// depends on to be ready, the wait shows in `lb apply` and the events, and cycles are refused at write time;
// a compose service waited for with service_completed_successfully runs as a Job whose task the app waits for.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { LbError, type LbEvent } from '@lastbackend/sdk';
import { IMAGE, TestServer, docker, readyPods, uniq, waitFor } from './harness';

const service = (name: string, depends: string[], container: Record<string, unknown> = {}) => ({
  kind: 'Service',
  meta: { name },
  spec: {
    replicas: 1,
    ...(depends.length ? { depends_on: depends.map((service) => ({ service, condition: 'ready' })) } : {}),
    template: { containers: [{ name: 'main', image: { name: IMAGE }, command: ['httpd', '-f', '-p', '8080', '-h', '/www'], ...container }] },
  },
});
const yaml = (...docs: object[]) => docs.map((d) => stringify(d)).join('---\n');

describe('start order: spec.depends_on', () => {
  let s: TestServer;
  let dir: string;
  const ns = uniq('order');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-order-'));
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(async () => {
    await s?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("applied together, the app's container is made only once the db is ready; lb apply shows the wait", async () => {
    // db is ready a few seconds after it starts: its readiness probe looks for a file it writes then.
    const db = service('db', [], {
      command: ['sh', '-c', 'sleep 4; touch /tmp/ready; exec httpd -f -p 8080 -h /www'],
      readiness: { exec: { command: ['test', '-f', '/tmp/ready'] }, period: 1 },
    });
    const file = join(dir, 'app.yaml');
    writeFileSync(file, yaml(service('app', ['db']), db));
    const r = await s.lb(['apply', '-f', file, '-n', ns, '--timeout', '60s']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('service/app v1: 0/1 updated, 0/1 ready; waiting for service db to be ready');
    expect(r.stdout).toMatch(/service\/app v1 rolled out: 1\/1 ready/);

    // The controller saw db ready (its rollout complete) before it made app's pod; Docker made app's container after.
    const dbReady = Date.parse((await s.client.service(ns, 'db')).status.rollout!.since);
    const [appPod] = readyPods(await s.client.pods(ns, 'app'));
    expect(Date.parse(appPod.meta.created)).toBeGreaterThanOrEqual(dbReady);
    const [appContainer] = s.containers({ 'io.lastbackend.pod': appPod.meta.name });
    expect(Date.parse(docker(['inspect', '-f', '{{.Created}}', appContainer]))).toBeGreaterThan(dbReady);
    // The db's container wrote its ready file before app's container was made (seconds, as stat says them).
    const [dbPod] = readyPods(await s.client.pods(ns, 'db'));
    const dbFile = await s.client.exec(ns, dbPod.meta.name, ['stat', '-c', '%Y', '/tmp/ready']);
    expect(Number(dbFile.stdout.trim()) * 1000).toBeLessThanOrEqual(Date.parse(docker(['inspect', '-f', '{{.Created}}', appContainer])));

    // The wait was said once, as an event on app naming db.
    const events = async () => {
      const out: LbEvent[] = [];
      for await (const e of s.client.events({ namespace: ns, for: 'service/app' })) if (e.reason === 'WaitingForDependency') out.push(e);
      return out;
    };
    const [waited] = await waitFor(events, (es) => es.length > 0, 'the WaitingForDependency event');
    expect(waited).toMatchObject({ type: 'normal', count: 1, object: { kind: 'Service', name: 'app' } });
    expect(waited.message).toMatch(/^v1: waiting for service db to be ready/);

    // lb export keeps depends_on: the exported manifest applies back unchanged.
    const exp = await s.lb(['export', 'service', 'app', '-n', ns]);
    expect(exp.stdout).toContain('depends_on');
    const again = await s.lb(['apply', '-f', '-', '-n', ns, '--detach'], exp.stdout);
    expect(again.code).toBe(0);
    expect((await s.client.service(ns, 'app')).spec.depends_on).toEqual([{ service: 'db', condition: 'ready' }]);
  });

  it('refuses a cycle in one apply, naming it, and stores nothing of it', async () => {
    const r = await s.lb(['apply', '-f', '-', '-n', ns], yaml(service('web', ['api']), service('api', ['worker']), service('worker', ['web'])));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('manifests.0.spec.depends_on: cycle web → api → worker → web');
    expect((await s.client.services(ns)).map((x) => x.meta.name).sort()).toEqual(['app', 'db']);
  });

  it('refuses an update that closes a cycle through existing services', async () => {
    const e = await s.client.updateService(ns, 'db', { spec: { depends_on: [{ service: 'app' }] } }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(LbError);
    expect((e as LbError).status).toBe(400);
    expect((e as LbError).details.fields).toEqual([{ field: 'spec.depends_on', reason: 'cycle db → app → db' }]);
    expect((await s.client.service(ns, 'db')).spec.depends_on).toBeUndefined();
  });

  it('a wait on a dependency that never becomes ready ends at --timeout naming it', async () => {
    const r = await s.lb(['apply', '-f', '-', '-n', ns, '--timeout', '4s'], yaml(service('late', ['never'])));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: rollout of service/late timed out after 4s (v1: 0/1 ready): waiting for service never to be ready (never does not exist yet)');
    expect(await s.client.pods(ns, 'late')).toEqual([]);
  });
  it("compose service_completed_successfully: lb apply runs the migrate Job once, and the app's pod is made only after its task succeeded", async () => {
    const cns = uniq('order-compose');
    const file = join(dir, 'compose.yaml');
    writeFileSync(
      file,
      yaml({
        services: {
          app: { image: IMAGE, command: ['httpd', '-f', '-p', '8080', '-h', '/www'], depends_on: { migrate: { condition: 'service_completed_successfully' } } },
          migrate: { image: IMAGE, command: ['sh', '-c', 'sleep 3; echo migrated'], restart: 'on-failure' },
        },
      }),
    );
    const r = await s.lb(['apply', '-f', file, '-n', cns, '--timeout', '60s']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`namespace/${cns} created\njob/migrate created\nservice/app created\n`);
    expect(r.stdout).toMatch(/^task\/migrate-[0-9a-f]{6} queued \(job\/migrate\)$/m);
    expect(r.stdout).toContain('service/app v1: 0/1 updated, 0/1 ready; waiting for job migrate to complete');
    expect(r.stdout).toMatch(/service\/app v1 rolled out: 1\/1 ready/);
    expect((await s.client.get('job', cns, 'migrate')).spec.task.retries).toBe(3);

    // One task, succeeded with exit 0 and its line logged, finished before app's pod and container were made.
    const [task, ...more] = await s.client.tasks(cns, 'migrate');
    expect(more).toEqual([]);
    expect(task.status).toMatchObject({ state: 'succeeded', attempt: 1, containers: [{ name: 'migrate', exit_code: 0 }] });
    const finished = Date.parse(task.status.finished!);
    expect(finished - Date.parse(task.status.started!)).toBeGreaterThanOrEqual(3000);
    const [appPod] = readyPods(await s.client.pods(cns, 'app'));
    expect(Date.parse(appPod.meta.created)).toBeGreaterThanOrEqual(finished);
    const [appContainer] = s.containers({ 'io.lastbackend.pod': appPod.meta.name });
    expect(Date.parse(docker(['inspect', '-f', '{{.Created}}', appContainer]))).toBeGreaterThan(Date.parse(task.status.containers[0].finished!));
    const logs = async () => {
      const lines: string[] = [];
      for await (const e of s.client.taskLogs(cns, task.meta.name)) lines.push(e.line);
      return lines;
    };
    expect(await waitFor(logs, (l) => l.includes('migrated'), 'the task log line')).toContain('migrated');

    // Applied again: the same template succeeded already, so nothing runs twice.
    const again = await s.lb(['apply', '-f', file, '-n', cns, '--detach']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`job/migrate not run: task ${task.meta.name} succeeded with the same template`);
    expect((await s.client.tasks(cns, 'migrate')).map((t) => t.meta.name)).toEqual([task.meta.name]);
    await s.client.deleteNamespace(cns);
  });
});
