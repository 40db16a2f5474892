// Unbounded inputs, on a real `lb server` with Docker: exec and probe output is capped at 1 MiB per stream
// while it is read (a readiness probe printing 200 MB on every period used to take the server from 170 to
// 830 MB RSS), and request bodies are refused by size (413) and nesting depth (400) before any parsing (8 MB
// of "[" held the server's one thread for about 3 s per request, /healthz included).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXEC_OUTPUT_LIMIT, truncationMarker } from '@lastbackend/sdk';
import { IMAGE, TestServer, uniq, waitFor } from './harness';

const MiB = 1024 * 1024;
/** The server's resident memory in MB, from /proc. */
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// eslint-disable-next-line no-console
const log = (...a: unknown[]) => console.log(...a);

describe('unbounded inputs', () => {
  let s: TestServer;
  const ns = uniq('limits');

  let tmp = '';

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'lb-limits-'));
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(async () => {
    await s?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const onlyPod = async (svc: string) => {
    const pods = (await s.client.pods(ns, svc)).filter((p) => !p.spec.destroy);
    if (pods.length !== 1) throw new Error(`expected 1 pod, got ${pods.length}`);
    return pods[0];
  };

  it('a readiness probe printing 200 MB each period grows the server by less than half of that (its output is not held); the pod gets ready', async () => {
    const pid = s.pid as number;
    const before = rssMb(pid);
    // Each probe drains 200 MB through the runtime and counts itself in a file the test reads afterwards.
    const probe = ['sh', '-c', 'head -c 200000000 /dev/zero; echo x >> /tmp/probes'];
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'flood' },
      spec: {
        replicas: 1,
        template: { containers: [{ name: 'main', image: { name: IMAGE }, command: ['sleep', '3600'], readiness: { exec: { command: probe }, period: 2, timeout: 30 } }] },
      },
    } as never);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
    try {
      const t0 = Date.now();
      const pod = await waitFor(() => onlyPod('flood'), (p) => p.status.state === 'ready', 'ready after a 200 MB probe', 60_000);
      // Ready means a probe drained all 200 MB and exited 0. A few more periods, sampling all along.
      // Docker streams exec output at about 25 MB/s here: a probe takes ~8 s, so three are enough.
      await waitFor(async () => (await s.client.exec(ns, pod.meta.name, ['sh', '-c', 'wc -l < /tmp/probes'])).stdout.trim(), (n) => Number(n) >= 3, '3 probes', 60_000);
      const probes = Number((await s.client.exec(ns, pod.meta.name, ['sh', '-c', 'wc -l < /tmp/probes'])).stdout.trim());
      log(`200 MB probes: ${probes} ran in ${((Date.now() - t0) / 1000).toFixed(1)} s; server RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB`);
      expect(probes).toBeGreaterThanOrEqual(3);
      // The growth, not an absolute size: the server's own footprint grows with its features (151 MB at rest
      // here), while a probe's output held in memory would add its 200 MB.
      expect(peak - before).toBeLessThan(100);
      expect((await onlyPod('flood')).status.state).toBe('ready');
    } finally {
      clearInterval(sampler);
      await s.client.request('DELETE', `/namespace/${ns}/service/flood`);
    }
  });

  it('exec of a command printing 3 MB returns the first 1 MiB and the marker (API and lb exec)', async () => {
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'shell' },
      spec: { replicas: 1, template: { containers: [{ name: 'main', image: { name: IMAGE }, command: ['sleep', '3600'] }] } },
    } as never);
    const pod = await waitFor(() => onlyPod('shell'), (p) => p.status.state === 'ready', 'shell ready');
    const cmd = ['sh', '-c', "head -c 3000000 /dev/zero | tr '\\0' x; echo done >&2"];
    const r = await s.client.exec(ns, pod.meta.name, cmd);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('done\n');
    expect(r.stdout).toBe('x'.repeat(EXEC_OUTPUT_LIMIT) + truncationMarker(3_000_000 - EXEC_OUTPUT_LIMIT));
    const cli = await s.lb(['exec', pod.meta.name, '-n', ns, '--', ...cmd]);
    expect(cli.code).toBe(0);
    expect(Buffer.byteLength(cli.stdout)).toBeLessThanOrEqual(EXEC_OUTPUT_LIMIT + truncationMarker(3_000_000).length);
    expect(cli.stdout.endsWith(`[output truncated: ${3_000_000 - EXEC_OUTPUT_LIMIT} bytes dropped]`)).toBe(true);
  });

  // ---------------------------------------------------------------- request bodies
  const send = async (method: string, path: string, body: string) => {
    const t = Date.now();
    const res = await s.fetch(path, { method, headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body });
    return { status: res.status, json: (await res.json()) as { code?: number; status?: string; reason?: string; message?: string }, ms: Date.now() - t };
  };
  /** POST of a file's bytes from a curl process; its status and time. */
  const curlPost = (path: string, file: string) =>
    new Promise<{ status: number; ms: number }>((resolve, reject) =>
      execFile(
        'curl',
        ['-s', '-o', '/dev/null', '-w', '%{http_code} %{time_total}', '--cacert', s.caFile, '-X', 'POST', '-H', `authorization: Bearer ${s.token}`, '-H', 'content-type: application/json', '--data-binary', `@${file}`, s.url + path],
        (err, out) => {
          if (err) return reject(err);
          const [status, secs] = out.split(' ');
          resolve({ status: Number(status), ms: Math.round(Number(secs) * 1000) });
        },
      ),
    );
  const healthz = async () => {
    const t = Date.now();
    const res = await s.fetch('/healthz');
    await res.text();
    return { status: res.status, ms: Date.now() - t };
  };

  it('8 MB of "[" is refused with 400 naming the depth, and /healthz answers during a burst of them', async () => {
    const brackets = '['.repeat(8 * MiB);
    const one = await send('POST', `/namespace/${ns}/apply`, brackets);
    log(`8 MiB of "[" to apply: ${one.status} in ${one.ms} ms`);
    expect(one.status).toBe(400);
    expect(one.json).toMatchObject({ code: 400, status: 'Bad Request', reason: 'INVALID_ARGUMENT', message: 'request body: JSON nested deeper than 64 levels' });
    expect(one.ms).toBeLessThan(5000);
    // The node routes too (the log intake: 3 MiB fits its 4 MiB limit, so the depth check is what refuses it).
    const logs = await send('POST', `/cluster/node/${s.node}/logs`, '['.repeat(3 * MiB));
    expect(logs).toMatchObject({ status: 400, json: { message: 'request body: JSON nested deeper than 64 levels' } });

    // The burst comes from curl processes, so that the time /healthz takes is the server's, not this process
    // encrypting 64 MB of uploads.
    const file = join(tmp, 'brackets.json');
    writeFileSync(file, brackets);
    const burst = Array.from({ length: 8 }, () => curlPost(`/namespace/${ns}/apply`, file));
    const checks: { status: number; ms: number }[] = [];
    for (let i = 0; i < 6; i++) {
      checks.push(await healthz());
      await sleep(100);
    }
    const bad = await Promise.all(burst);
    log(`burst of 8 x 8 MiB "[": ${bad.map((b) => `${b.status}/${b.ms}ms`).join(' ')}; /healthz meanwhile: ${checks.map((c) => `${c.status}/${c.ms}ms`).join(' ')}`);
    expect(bad.map((b) => b.status)).toEqual(Array(8).fill(400));
    expect(checks.every((c) => c.status === 200)).toBe(true);
    expect(Math.max(...checks.map((c) => c.ms))).toBeLessThan(5000);
    expect(await s.client.health()).toMatchObject({ status: 'ok' });
  });

  it('a body over its route limit is refused with 413 PAYLOAD_TOO_LARGE, and nothing is stored', async () => {
    const apply = await send('POST', `/namespace/${ns}/apply`, JSON.stringify({ manifests: [{ kind: 'Config', meta: { name: 'big' }, spec: { data: { f: 'x'.repeat(9 * MiB) } } }] }));
    log(`9 MiB apply: ${apply.status} in ${apply.ms} ms`);
    expect(apply).toMatchObject({ status: 413, json: { code: 413, status: 'Request Entity Too Large', reason: 'PAYLOAD_TOO_LARGE', message: `request body is too large: POST /namespace/${ns}/apply takes at most 8 MiB` } });
    const svc = await send('POST', `/namespace/${ns}/service`, JSON.stringify({ kind: 'Service', meta: { name: 'padded', description: 'd'.repeat(300 * 1024) } }));
    expect(svc).toMatchObject({ status: 413, json: { code: 413, status: 'Request Entity Too Large', reason: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('takes at most 256 KiB') } });
    // A 1.5 MB config file still fits its route (2 MiB), and apply takes 6 MB.
    const config = await send('POST', `/namespace/${ns}/config`, JSON.stringify({ kind: 'Config', meta: { name: 'file' }, spec: { data: { f: 'y'.repeat(1_500_000) } } }));
    expect(config.status).toBe(201);
    const six = await send('POST', `/namespace/${ns}/apply`, JSON.stringify({ manifests: [{ kind: 'Config', meta: { name: 'six' }, spec: { data: { a: 'z'.repeat(2_000_000), b: 'z'.repeat(2_000_000), c: 'z'.repeat(2_000_000) } } }] }));
    expect(six.status).toBe(200);
    const names = (await s.client.request<{ meta: { name: string } }[]>('GET', `/namespace/${ns}/config`)).map((c) => c.meta.name).sort();
    expect(names).toEqual(['file', 'six']);
    expect((await s.client.service(ns, 'padded').catch((e: { code?: string }) => e)) as { code?: string }).toMatchObject({ code: 'NOT_FOUND' });
  });
});
