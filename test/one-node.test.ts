// One node, end to end, through the `lb` CLI on a real Docker engine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Deployment, Pod, Service } from '@lastbackend/sdk';
import { spawn } from 'node:child_process';
import { IMAGE, LB, TestServer, docker, readyPods, uniq, waitFor, webService } from './harness';

describe('one node: deploy, scale, blue/green, delete', () => {
  let s: TestServer;
  let dir: string;
  const ns = uniq('e2e');

  beforeAll(async () => {
    s = await TestServer.start();
    dir = mkdtempSync(join(tmpdir(), 'lb-manifests-'));
  });
  afterAll(async () => {
    await s?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const getPods = async (svc: string): Promise<Pod[]> => {
    const r = await s.lb(['get', 'pods', '-n', ns, '-o', 'json']);
    if (r.code !== 0) throw new Error(r.stderr);
    return (JSON.parse(r.stdout) as Pod[]).filter((p) => p.meta.service === svc);
  };

  it('applies a multi-document file with a namespace and a 3-replica service; the app answers', async () => {
    const file = join(dir, 'web.yaml');
    writeFileSync(file, [stringify({ kind: 'Namespace', version: 'v1', meta: { name: ns } }), stringify(webService('web', 3))].join('---\n'));
    const r = await s.lb(['apply', '-f', file, '-n', ns]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('service/web created');

    const pods = await waitFor(() => getPods('web'), (p) => readyPods(p).length === 3, '3 ready pods');
    for (const p of pods) {
      expect(p.status.state).toBe('ready');
      expect(p.status.running).toBe(true);
      expect(p.meta.node).toBe(s.node);
    }
    // exactly 3 containers, found by the platform's labels
    expect(s.containers({ 'io.lastbackend.namespace': ns, 'io.lastbackend.service': 'web' })).toHaveLength(3);
    for (const p of pods) expect(s.containers({ 'io.lastbackend.pod': p.meta.name })).toHaveLength(1);

    // the app answers inside each container
    for (const p of pods) {
      const ex = await s.lb(['exec', p.meta.name, '-n', ns, '--', 'wget', '-qO-', 'http://127.0.0.1:8080/']);
      expect(ex.code).toBe(0);
      expect(ex.stdout).toBe('hello from lb-test\n');
    }
    const table = await s.lb(['get', 'pods', '-n', ns]);
    expect(table.code).toBe(0);
    expect(table.stdout.match(/ready/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it('scales in place to 5 and back to 2 without a new version', async () => {
    expect((await s.lb(['scale', 'web', '5', '-n', ns])).code).toBe(0);
    await waitFor(() => getPods('web'), (p) => readyPods(p).length === 5, '5 ready pods');
    expect((await s.lb(['scale', 'web', '2', '-n', ns])).code).toBe(0);
    await waitFor(() => getPods('web'), (p) => p.length === 2 && readyPods(p).length === 2, '2 pods');
    await waitFor(async () => s.containers({ 'io.lastbackend.namespace': ns }).length, (n) => n === 2, '2 containers');
    const deps = await s.client.deployments(ns, 'web');
    expect(deps.map((d) => d.meta.name)).toEqual(['v1']);
  });

  it('rolls out a template change blue/green: v1 goes only after v2 is ready', async () => {
    const file = join(dir, 'web-v2.yaml');
    writeFileSync(file, stringify(webService('web', 2, { env: { VERSION: '2' } })));
    // Stored, not waited for: the test watches the rollout itself.
    expect((await s.lb(['apply', '-f', file, '-n', ns, '--detach'])).code).toBe(0);

    // Watch the rollout: while v2 is not fully ready, v1 keeps both its ready pods.
    const violations: string[] = [];
    await waitFor(
      async () => {
        const pods = await s.client.pods(ns, 'web');
        const v1 = readyPods(pods).filter((p) => p.meta.deployment === 'v1').length;
        const v2 = readyPods(pods).filter((p) => p.meta.deployment === 'v2').length;
        if (v2 < 2 && v1 < 2) violations.push(`v1 ready ${v1} while v2 ready ${v2}`);
        return pods;
      },
      (pods) => pods.length === 2 && pods.every((p) => p.meta.deployment === 'v2' && p.status.state === 'ready'),
      'v2 active and v1 gone',
    );
    expect(violations).toEqual([]);
    const svc = (await s.client.service(ns, 'web')) as Service;
    expect(svc.status.deployment).toBe('v2');
    const deps = (await s.client.deployments(ns, 'web')) as Deployment[];
    expect(deps.map((d) => `${d.meta.name}:${d.status.state}`)).toEqual(['v1:superseded', 'v2:active']);
    await waitFor(async () => s.containers({ 'io.lastbackend.namespace': ns }).length, (n) => n === 2, 'v1 containers removed');
    const env = docker(['inspect', '--format', '{{json .Config.Env}}', s.containers({ 'io.lastbackend.namespace': ns })[0]]);
    expect(env).toContain('VERSION=2');
  });

  it('rolls back to the previous template as a new version v3', async () => {
    const r = await s.lb(['rollback', 'web', '-n', ns]);
    expect(r.code).toBe(0);
    await waitFor(() => s.client.service(ns, 'web'), (svc) => svc.status.deployment === 'v3' && svc.status.state === 'ready', 'v3 active');
    const v3 = await s.client.deployment(ns, 'web', 'v3');
    expect(v3.spec.template.containers[0].env).toEqual([]);
    const bad = await s.lb(['rollback', 'web', '--to', 'v42', '-n', ns]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/v42/);
  });

  it('deploys from an image reference with lb run, and exports an app that applies elsewhere', async () => {
    const r = await s.lb(['run', 'hello', IMAGE, '--replicas', '2', '--port', '8080', '--env', 'GREETING=hi', '-n', ns]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await waitFor(() => getPods('hello'), (p) => readyPods(p).length === 2, 'hello pods ready');

    const exp = await s.lb(['export', 'service', 'hello', '-n', ns]);
    expect(exp.code).toBe(0);
    expect(exp.stdout).not.toContain('status');
    const other = uniq('e2e-copy');
    expect((await s.lb(['apply', '-f', '-', '-n', other], stringify({ kind: 'Namespace', meta: { name: other } }))).code).toBe(0);
    const file = join(dir, 'exported.yaml');
    writeFileSync(file, exp.stdout);
    const ap = await s.lb(['apply', '-f', file, '-n', other]);
    expect(ap.stderr).toBe('');
    expect(ap.code).toBe(0);
    const copy = await waitFor(() => s.client.pods(other, 'hello'), (p) => readyPods(p).length === 2, 'copy ready');
    const env = docker(['inspect', '--format', '{{json .Config.Env}}', s.containers({ 'io.lastbackend.pod': copy[0].meta.name })[0]]);
    expect(env).toContain('GREETING=hi');
    expect((await s.lb(['delete', 'namespace', other])).code).toBe(0);
    await waitFor(async () => s.containers({ 'io.lastbackend.namespace': other }).length, (n) => n === 0, 'copy removed');
  });

  it('shows logs of every replica, merged', async () => {
    const svc = webService('talker', 2, { readiness: false });
    svc.spec.template.containers[0].command = ['sh', '-c', 'echo "hello from $(hostname)"; echo "oops $(hostname)" >&2; exec httpd -f -p 8080 -h /www'];
    expect((await s.lb(['apply', '-f', '-', '-n', ns], stringify(svc))).code).toBe(0);
    const pods = await waitFor(() => getPods('talker'), (p) => readyPods(p).length === 2, 'talker ready');
    const logs = await waitFor(() => s.lb(['logs', 'talker', '-n', ns]), (r) => r.stdout.split('\n').filter((l) => l.includes('hello from')).length === 2, 'log lines');
    expect(logs.code).toBe(0);
    const hosts = pods.map((p) => docker(['inspect', '--format', '{{.Config.Hostname}}', s.containers({ 'io.lastbackend.pod': p.meta.name })[0]]));
    for (const h of hosts) {
      expect(logs.stdout).toContain(`hello from ${h}`);
      expect(logs.stdout).toContain(`oops ${h}`);
    }
    const tail = await s.lb(['logs', 'talker', '--tail', '1', '-n', ns]);
    expect(tail.stdout.trim().split('\n')).toHaveLength(1);

    // -f streams lines written later, until the CLI is stopped.
    const follow = spawn(process.execPath, [LB, 'logs', 'talker', '-f', '-n', ns], { env: { ...process.env, ...s.env } });
    let out = '';
    follow.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(async () => out, (o) => o.split('\n').filter((l) => l.includes('hello from')).length === 2, 'follow shows the history');
      const ex = await s.client.exec(ns, pods[1].meta.name, ['sh', '-c', 'echo followed-line > /proc/1/fd/1']);
      expect(ex.exitCode).toBe(0);
      await waitFor(async () => out, (o) => o.includes(`[${pods[1].meta.name}/web] followed-line`), 'a new line while following');
    } finally {
      follow.kill('SIGINT');
    }
    const code = await new Promise((r) => follow.once('exit', (c, sig) => r(c ?? sig)));
    expect([0, 130, 'SIGINT']).toContain(code);
  });

  it('deletes a service and leaves no container behind', async () => {
    for (const svc of ['web', 'hello', 'talker']) expect((await s.lb(['delete', 'service', svc, '-n', ns])).code).toBe(0);
    await waitFor(async () => s.containers({ 'io.lastbackend.namespace': ns }).length, (n) => n === 0, 'no containers');
    await waitFor(() => s.client.services(ns), (l) => l.length === 0, 'services gone');
    expect(await s.client.pods(ns)).toEqual([]);
    const missing = await s.lb(['get', 'service', 'web', '-n', ns]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/not found/);
  });
});
