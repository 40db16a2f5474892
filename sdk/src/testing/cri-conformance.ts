// Conformance suite for ContainerRuntime (CRI) drivers. Call it from a jest test file:
//   runCriConformance('docker', async () => ({ cri, image: 'lb-test/busybox:latest', cleanup }));
import { EXEC_OUTPUT_LIMIT, truncationMarker } from '../drivers/output';
import { criFeatures } from '../drivers/features';
import { DRIVER_API_VERSION, type ContainerEvent, type ContainerRuntime, type ContainerSpec, type ExecSession, type LogLine } from '../drivers/types';
import { LABEL_NAMESPACE, LABEL_POD, LABEL_SERVICE } from '../labels';
import { drain, eventually, isLbErrorLike, uniqueSuffix, withTimeout } from './helpers';

export interface CriConformanceSubject {
  cri: ContainerRuntime;
  /**
   * An image already present on the runtime. It needs /bin/sh with echo, sleep, touch, test ([) and wget (and, for a
   * runtime with API 2 features, cat, id, read and tty), and its default command must serve HTTP on port 8080
   * (e.g. busybox `httpd -f -p 8080`).
   */
  image: string;
  /** Called after the suite, after its containers were removed (e.g. to dispose the driver). */
  cleanup?: () => Promise<void>;
}

/** How long a stream gets to end after its signal aborted. */
const ABORT_GRACE_MS = 5000;
const SETTLE_MS = 30000;

/** Registers a describe() block that checks `factory()`'s runtime against the CRI contract. */
export function runCriConformance(name: string, factory: () => Promise<CriConformanceSubject>): void {
  describe(`CRI conformance: ${name}`, () => {
    const run = uniqueSuffix();
    const service = `conformance-${run}`;
    const names = new Set<string>();
    const controllers: AbortController[] = [];
    let subject: CriConformanceSubject | undefined;

    const cri = (): ContainerRuntime => {
      if (!subject) throw new Error('the conformance factory failed; see the beforeAll error');
      return subject.cri;
    };
    const nameFor = (purpose: string): string => `lbconf-${purpose}-${run}`;
    const spec = (purpose: string, over: Partial<ContainerSpec> = {}): ContainerSpec => {
      const containerName = nameFor(purpose);
      if (!subject) throw new Error('the conformance factory failed; see the beforeAll error');
      return {
        name: containerName,
        image: subject.image,
        env: {},
        network: { mode: 'default' },
        resources: {},
        mounts: [],
        stopTimeout: 2,
        ...over,
        labels: { [LABEL_NAMESPACE]: 'conformance', [LABEL_SERVICE]: service, [LABEL_POD]: containerName, ...over.labels },
      };
    };
    const create = (s: ContainerSpec) => {
      names.add(s.name);
      return cri().create(s);
    };
    const started = async (purpose: string, over: Partial<ContainerSpec> = {}) => {
      const status = await create(spec(purpose, over));
      await cri().start(status.id);
      return status;
    };
    const controller = (): AbortController => {
      const c = new AbortController();
      controllers.push(c);
      return c;
    };
    const collect = async (iterable: AsyncIterable<LogLine>): Promise<LogLine[]> => {
      const out: LogLine[] = [];
      await withTimeout(drain(iterable, out), SETTLE_MS, 'logs without follow did not end');
      return out;
    };

    beforeAll(async () => {
      subject = await factory();
    });

    afterAll(async () => {
      for (const c of controllers) c.abort();
      if (!subject) return;
      const targets = new Set(names);
      try {
        for (const c of await subject.cri.list({ labels: { [LABEL_SERVICE]: service }, all: true })) targets.add(c.id);
      } catch {
        // list is under test too; the names are enough
      }
      const failures: string[] = [];
      for (const target of targets) {
        await subject.cri.remove(target).catch((e: unknown) => failures.push(`${target}: ${String(e)}`));
      }
      await subject.cleanup?.();
      if (failures.length) throw new Error(`could not remove conformance containers: ${failures.join('; ')}`);
    });

    describe('identity', () => {
      it('info() names the driver and speaks the SDK driver API', () => {
        const info = cri().info();
        expect(info.name).toEqual(expect.any(String));
        expect(info.name.length).toBeGreaterThan(0);
        expect(info.version).toEqual(expect.any(String));
        expect(info.api).toContain(DRIVER_API_VERSION);
      });

      it('probe() reports ready', async () => {
        await expect(cri().probe()).resolves.toMatchObject({ state: 'ready' });
      });
    });

    describe('lifecycle', () => {
      let id = '';
      const main = (): ContainerSpec => spec('main');

      it('create() returns a created container that carries the labels', async () => {
        const status = await create(main());
        id = status.id;
        expect(id).toEqual(expect.any(String));
        expect(status.name).toBe(main().name);
        expect(status.state).toBe('created');
        const inspected = await cri().inspect(id);
        expect(inspected).not.toBeNull();
        expect(inspected?.state).toBe('created');
        expect(inspected?.labels).toMatchObject(main().labels);
      });

      it('create() is idempotent by name', async () => {
        const again = await create(main());
        expect(again.id).toBe(id);
        expect(await cri().list({ labels: { [LABEL_POD]: main().name }, all: true })).toHaveLength(1);
      });

      it('start() runs it, and starting a running container is fine', async () => {
        await cri().start(id);
        await cri().start(id);
        const status = await cri().inspect(id);
        expect(status?.state).toBe('running');
        expect(status?.startedAt).toEqual(expect.any(String));
        expect(status?.finishedAt).toBeUndefined();
      });

      it('exec() returns stdout and exit code 0', async () => {
        await expect(cri().exec(id, ['echo', 'hi'])).resolves.toEqual({ exitCode: 0, stdout: 'hi\n', stderr: '' });
      });

      it('exec() returns the exit code and stderr of a failing command', async () => {
        const res = await cri().exec(id, ['sh', '-c', 'echo oops >&2; exit 7']);
        expect(res.exitCode).toBe(7);
        expect(res.stderr).toBe('oops\n');
        expect(res.stdout).toBe('');
      });

      it('exec() keeps the first EXEC_OUTPUT_LIMIT bytes of a stream and marks how much it dropped', async () => {
        // A loop that prints 16 KiB a round until a second exec tells it to stop, then one line on stderr: the
        // stream is far over the limit without a command the emulated shells may lack (head, yes, dd).
        const stop = `/tmp/lbconf-enough-${run}`;
        const round = Array.from({ length: 16 }, () => `echo ${'x'.repeat(1023)}`).join('; ');
        const flood = cri().exec(id, ['sh', '-c', `while [ ! -f ${stop} ]; do ${round}; done; echo tail >&2`], { timeoutSeconds: 60 });
        await new Promise((r) => setTimeout(r, 1000));
        expect((await cri().exec(id, ['touch', stop])).exitCode).toBe(0);
        const res = await flood;
        expect(res.exitCode).toBe(0);
        expect(res.stderr).toBe('tail\n');
        const m = /\n\[output truncated: (\d+) bytes dropped\]$/.exec(res.stdout);
        expect(m).not.toBeNull();
        const kept = res.stdout.slice(0, m?.index);
        expect(Number(m?.[1])).toBeGreaterThan(0);
        expect(Buffer.byteLength(kept)).toBe(EXEC_OUTPUT_LIMIT);
        expect(kept.startsWith(`${'x'.repeat(1023)}\n${'x'.repeat(1023)}\n`)).toBe(true);
        expect(res.stdout).toBe(kept + truncationMarker(Number(m?.[1])));
      });

      it('list() by label finds exactly the matching containers', async () => {
        const idle = await create(spec('idle'));
        const byService = await cri().list({ labels: { [LABEL_SERVICE]: service }, all: true });
        expect(byService.map((c) => c.id).sort()).toEqual([id, idle.id].sort());
        const byPod = await cri().list({ labels: { [LABEL_SERVICE]: service, [LABEL_POD]: main().name }, all: true });
        expect(byPod.map((c) => c.id)).toEqual([id]);
        expect(byPod[0].labels).toMatchObject(main().labels);
        expect(byPod[0].state).toBe('running');
        const running = await cri().list({ labels: { [LABEL_SERVICE]: service } });
        expect(running.map((c) => c.id)).toEqual([id]);
        await cri().remove(idle.id);
      });

      it('stop() is idempotent', async () => {
        await cri().stop(id, 2);
        await cri().stop(id, 2);
        const status = await cri().inspect(id);
        expect(status?.state).toBe('exited');
        expect(status?.exitCode).toEqual(expect.any(Number));
        expect(status?.finishedAt).toEqual(expect.any(String));
      });

      it('remove() is idempotent and inspect() afterwards is null', async () => {
        await cri().remove(id);
        await cri().remove(id);
        await expect(cri().inspect(id)).resolves.toBeNull();
      });

      it('remove() stops a running container first', async () => {
        const status = await started('busy', { command: ['sh', '-c', 'exec sleep 600'] });
        await cri().remove(status.id);
        await expect(cri().inspect(status.id)).resolves.toBeNull();
      });
    });

    describe('missing containers', () => {
      const missing = nameFor('never-created');

      it('inspect() is null, stop() and remove() succeed', async () => {
        await expect(cri().inspect(missing)).resolves.toBeNull();
        await expect(cri().stop(missing)).resolves.toBeUndefined();
        await expect(cri().remove(missing)).resolves.toBeUndefined();
      });

      it('start() rejects with a NOT_FOUND LbError', async () => {
        const err: unknown = await cri().start(missing).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isLbErrorLike(err)).toBe(true);
        expect((err as { code?: string }).code).toBe('NOT_FOUND');
      });
    });

    describe('wait and logs', () => {
      it('wait() resolves with the exit code', async () => {
        const status = await started('exit3', { command: ['sh', '-c', 'exit 3'] });
        await expect(withTimeout(cri().wait(status.id), SETTLE_MS, 'wait did not resolve')).resolves.toBe(3);
        const after = await cri().inspect(status.id);
        expect(after?.state).toBe('exited');
        expect(after?.exitCode).toBe(3);
      });

      it('logs() returns stdout and stderr lines with their streams and times, then ends', async () => {
        const status = await started('logs', { command: ['sh', '-c', 'echo out; echo err >&2'] });
        await withTimeout(cri().wait(status.id), SETTLE_MS, 'wait did not resolve');
        const lines = await collect(cri().logs(status.id));
        expect(lines).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ stream: 'stdout', line: 'out' }),
            expect.objectContaining({ stream: 'stderr', line: 'err' }),
          ]),
        );
        expect(lines).toHaveLength(2);
        for (const l of lines) expect(Number.isNaN(Date.parse(l.time))).toBe(false);
        expect(await collect(cri().logs(status.id, { tail: 1 }))).toHaveLength(1);
      });

      it('logs({ follow }) delivers a line written later and ends when the signal aborts', async () => {
        const script = 'echo first; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo later; exec sleep 600';
        const status = await started('follow', { command: ['sh', '-c', script] });
        const ac = controller();
        const lines: LogLine[] = [];
        const done = drain(cri().logs(status.id, { follow: true, signal: ac.signal }), lines);
        try {
          await eventually(() => lines.some((l) => l.line === 'first'), SETTLE_MS, 'follow did not deliver "first"');
          expect((await cri().exec(status.id, ['touch', '/tmp/go'])).exitCode).toBe(0);
          await eventually(() => lines.some((l) => l.line === 'later'), SETTLE_MS, 'follow did not deliver "later"');
        } finally {
          ac.abort();
        }
        await withTimeout(done, ABORT_GRACE_MS, 'logs follow did not end after abort');
        expect(lines.map((l) => l.line)).toEqual(['first', 'later']);
      });
    });

    describe('network', () => {
      it('mode "container" shares the network of another container', async () => {
        const web = await started('web');
        const side = await started('side', {
          command: ['sh', '-c', 'exec sleep 600'],
          network: { mode: 'container', container: web.id },
        });
        let last = '';
        await eventually(
          async () => {
            const res = await cri().exec(side.id, ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/']);
            last = `exit ${res.exitCode}: ${res.stdout}${res.stderr}`;
            return res.exitCode === 0 && res.stdout.length > 0;
          },
          SETTLE_MS,
          `the sidecar could not reach the web container on 127.0.0.1:8080 (${last})`,
        );
      });

      it('mode "none" gives the container no address, or is refused when the driver cannot do it', async () => {
        if (!cri().capabilities.networkNone) {
          // A driver that says it cannot must refuse, not quietly run the container on some network.
          const err: unknown = await create(spec('nonet', { command: ['sh', '-c', 'exec sleep 600'], network: { mode: 'none' } })).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isLbErrorLike(err)).toBe(true);
          return;
        }
        const status = await started('nonet', { command: ['sh', '-c', 'exec sleep 600'], network: { mode: 'none' } });
        const inspected = await cri().inspect(status.id);
        expect(inspected?.state).toBe('running');
        expect(inspected?.ip).toBeUndefined();
        await cri().remove(status.id);
      });
    });

    describe('driver API 2 features', () => {
      const SLEEPER = ['sh', '-c', 'exec sleep 600'];
      /** The effective capability set of a container's exec'd process, from /proc/self/status. */
      const capEff = async (id: string): Promise<bigint> => {
        const res = await cri().exec(id, ['cat', '/proc/self/status']);
        const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(res.stdout);
        if (!m) throw new Error(`no CapEff in /proc/self/status: ${res.stdout}${res.stderr}`);
        return BigInt(`0x${m[1]}`);
      };
      const CAP_NET_ADMIN = 1n << 12n;
      const CAP_NET_RAW = 1n << 13n;
      /** Reads a stream to its end (or until the test's timeout). */
      const text = async (stream: NodeJS.ReadableStream | null): Promise<string> => {
        if (!stream) return '';
        const parts: Buffer[] = [];
        for await (const chunk of stream) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
        return Buffer.concat(parts).toString('utf8');
      };
      const refusal = async (promise: Promise<unknown>): Promise<unknown> =>
        promise.then(
          () => undefined,
          (e: unknown) => e,
        );

      it('features are booleans, and a declared feature has its method', () => {
        const f = criFeatures(cri());
        if (cri().features !== undefined) {
          for (const k of ['security', 'execStream', 'stats'] as const) expect(typeof cri().features?.[k]).toBe('boolean');
          // Declared later in API 2: absent means false, present must be a boolean.
          for (const k of ['seccomp', 'pidsLimit'] as const) expect(['boolean', 'undefined']).toContain(typeof cri().features?.[k]);
        }
        if (f.execStream) expect(typeof cri().execStream).toBe('function');
        if (f.stats) expect(typeof cri().stats).toBe('function');
      });

      it('security: honoured in full when declared (user, read-only root, capabilities, no_new_privs), else refused', async () => {
        const security = { user: '1000:1000', read_only_rootfs: true, cap_drop: ['ALL'], no_new_privileges: true };
        if (!criFeatures(cri()).security) {
          // A runtime that cannot confine a container must not run it unconfined.
          const err = await refusal(create(spec('secure', { command: SLEEPER, security })));
          expect(isLbErrorLike(err)).toBe(true);
          expect((err as { code?: string }).code).toBe('FAILED_PRECONDITION');
          await expect(cri().inspect(nameFor('secure'))).resolves.toBeNull();
          return;
        }
        const confined = await started('secure', { command: SLEEPER, security });
        expect((await cri().exec(confined.id, ['id', '-u'])).stdout.trim()).toBe('1000');
        expect((await cri().exec(confined.id, ['id', '-g'])).stdout.trim()).toBe('1000');
        expect((await cri().exec(confined.id, ['touch', '/lbconf-rootfs'])).exitCode).not.toBe(0);
        const status = (await cri().exec(confined.id, ['cat', '/proc/self/status'])).stdout;
        expect(status).toMatch(/^NoNewPrivs:\s*1$/m);
        expect(await capEff(confined.id)).toBe(0n);

        const plain = await started('unconfined', { command: SLEEPER });
        const defaults = await capEff(plain.id);
        expect(defaults & CAP_NET_ADMIN).toBe(0n);
        expect((await cri().exec(plain.id, ['cat', '/proc/self/status'])).stdout).toMatch(/^NoNewPrivs:\s*0$/m);
        expect((await cri().exec(plain.id, ['touch', '/lbconf-rootfs'])).exitCode).toBe(0);

        const added = await started('capadd', { command: SLEEPER, security: { cap_add: ['NET_ADMIN'] } });
        expect((await capEff(added.id)) & CAP_NET_ADMIN).toBe(CAP_NET_ADMIN);
        // Only created: a privileged container cannot start on a host that itself lacks a capability (a
        // sandboxed CI host); accepting the spec is what is checked here, the driver's own tests check the rest.
        const privileged = await create(spec('privileged', { command: SLEEPER, security: { privileged: true } }));
        expect(privileged.state).toBe('created');
        for (const c of [confined, plain, added, privileged]) await cri().remove(c.id);
      });

      it("the platform's defaults: seccomp, the pids limit, no_new_privs and NET_RAW dropped, each honoured when declared, else refused", async () => {
        const f = criFeatures(cri());
        const defaults = { seccomp: 'default' as const, pids_limit: 321, no_new_privileges: true, cap_drop: ['NET_RAW'] };
        if (!f.seccomp || !f.pidsLimit || !f.security) {
          const asked = { ...(f.seccomp ? {} : { seccomp: 'default' as const }), ...(f.pidsLimit ? {} : { pids_limit: 321 }), ...(f.security ? {} : { no_new_privileges: true }) };
          const err = await refusal(create(spec('defaults', { command: SLEEPER, security: asked })));
          expect((err as { code?: string }).code).toBe('FAILED_PRECONDITION');
          await expect(cri().inspect(nameFor('defaults'))).resolves.toBeNull();
          return;
        }
        const box = await started('defaults', { command: SLEEPER, security: defaults });
        const status = (await cri().exec(box.id, ['cat', '/proc/self/status'])).stdout;
        expect(status).toMatch(/^NoNewPrivs:\s*1$/m);
        expect(status).toMatch(/^Seccomp:\s*2$/m);
        expect((await capEff(box.id)) & CAP_NET_RAW).toBe(0n);
        // cgroup v2 shows the container's pids.max at the root of its cgroup mount, v1 under pids/.
        const pids = await cri().exec(box.id, ['sh', '-c', 'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max']);
        expect(pids.stdout.trim()).toBe('321');
        // The default profile refuses a new user namespace, which needs no capability (only the filter stops it).
        expect((await cri().exec(box.id, ['unshare', '-U', 'true'])).exitCode).not.toBe(0);
        const open = await started('noseccomp', { command: SLEEPER, security: { seccomp: 'unconfined' } });
        expect((await cri().exec(open.id, ['cat', '/proc/self/status'])).stdout).toMatch(/^Seccomp:\s*0$/m);
        for (const c of [box, open]) await cri().remove(c.id);
      });

      it('execStream: stdin in, stdout and stderr apart, the exit code; a tty merges output; kill() ends it', async () => {
        if (!criFeatures(cri()).execStream) {
          if (cri().execStream) expect(isLbErrorLike(await refusal(cri().execStream!(nameFor('never-created'), ['true'])))).toBe(true);
          return;
        }
        const execStream = (id: string, cmd: string[], o?: Parameters<NonNullable<ContainerRuntime['execStream']>>[2]): Promise<ExecSession> =>
          cri().execStream!(id, cmd, o);
        const box = await started('stream', { command: SLEEPER });
        const s = await execStream(box.id, ['sh', '-c', 'read line; echo "got:$line"; echo err >&2; exit 5'], { stdin: true });
        expect(s.stdin).not.toBeNull();
        const out = text(s.stdout);
        const err = text(s.stderr);
        s.stdin?.end('hello\n');
        await expect(withTimeout(s.wait(), SETTLE_MS, 'execStream wait')).resolves.toEqual({ exitCode: 5 });
        expect(await out).toBe('got:hello\n');
        expect(await err).toBe('err\n');

        const t = await execStream(box.id, ['sh', '-c', 'tty >/dev/null && echo is-a-tty; echo to-stderr >&2'], { tty: true, size: { cols: 100, rows: 30 } });
        expect(t.stderr).toBeNull();
        expect(t.stdin).toBeNull();
        await t.resize(120, 40);
        const merged = await withTimeout(text(t.stdout), SETTLE_MS, 'tty output did not end');
        expect(merged).toContain('is-a-tty');
        expect(merged).toContain('to-stderr');
        expect((await t.wait()).exitCode).toBe(0);

        const long = await execStream(box.id, ['sleep', '600']);
        const ended = text(long.stdout);
        await withTimeout(long.kill(), SETTLE_MS, 'kill() did not return');
        await withTimeout(ended, SETTLE_MS, 'stdout did not end after kill()');
        await long.kill(); // idempotent

        const missing = await refusal(execStream(nameFor('never-created'), ['true']));
        expect(isLbErrorLike(missing)).toBe(true);
        expect((missing as { code?: string }).code).toBe('NOT_FOUND');
        await cri().remove(box.id);
      });

      it('stats: a sample of a running container; NOT_FOUND for a missing one', async () => {
        if (!criFeatures(cri()).stats) return;
        const box = await started('stats', { command: SLEEPER });
        const before = Date.now();
        const st = await cri().stats!(box.id);
        expect(st.cpu_ns).toEqual(expect.any(Number));
        expect(st.cpu_ns).toBeGreaterThanOrEqual(0);
        expect(st.memory_bytes).toBeGreaterThan(0);
        expect(st.memory_limit).toBeGreaterThanOrEqual(st.memory_bytes);
        expect(Math.abs(st.time - before)).toBeLessThan(60_000);
        const missing = await refusal(cri().stats!(nameFor('never-created')));
        expect(isLbErrorLike(missing)).toBe(true);
        expect((missing as { code?: string }).code).toBe('NOT_FOUND');
        await cri().remove(box.id);
      });
    });

    describe('events', () => {
      it('events() yields start and die for a labelled container and ends on abort', async () => {
        const target = spec('events', { command: ['sh', '-c', 'exit 0'] });
        const ac = controller();
        const seen: ContainerEvent[] = [];
        const done = (async () => {
          for await (const ev of cri().events({ labels: { [LABEL_POD]: target.name } }, ac.signal)) seen.push(ev);
        })();
        done.catch(() => undefined);
        let id = '';
        try {
          id = (await create(target)).id;
          await cri().start(id);
          const has = (action: ContainerEvent['action']) => seen.some((e) => e.id === id && e.action === action);
          await eventually(() => has('start') && has('die'), SETTLE_MS, 'events did not deliver start and die');
        } finally {
          ac.abort();
        }
        await withTimeout(done, ABORT_GRACE_MS, 'events did not end after abort');
        expect(seen.every((e) => e.labels[LABEL_POD] === target.name)).toBe(true);
        const start = seen.find((e) => e.action === 'start');
        expect(start?.time).toEqual(expect.any(Number));
      });
    });
  });
}
