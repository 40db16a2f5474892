// A private containerd and a private registry for the driver's tests, both on this host only, both torn down
// with everything they made (tasks, shims, mounts, temp dirs, the pushed image).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Containerd } from '../src/grpc';

const REQUIRED = ['containerd', 'containerd-shim-runc-v2', 'runc', 'docker', 'docker-registry', 'mkfifo', 'umount'];

export interface TestEnvironment {
  dir: string;
  socket: string;
  namespace: string;
  /** The test image as the driver pulls it from the private registry. */
  image: string;
  stop(): Promise<void>;
}

const which = (bin: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean> | boolean, ms: number, what: string, log?: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await sleep(50);
  }
  const tail = log && existsSync(log) ? `\n${readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')}` : '';
  throw new Error(`${what} did not come up within ${ms} ms${tail}`);
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });

const spawnLogged = (cmd: string, args: string[], log: string): ChildProcess => {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
};

const stopChild = async (child: ChildProcess | undefined): Promise<void> => {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
};

/** Shims this containerd started outlive it; they are found by the socket they were told to talk to. */
function shimPids(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.includes('containerd-shim') && cmd.includes(socket)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const mountsUnder = (dir: string): string[] =>
  readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((p): p is string => typeof p === 'string' && p.startsWith(`${dir}/`))
    .reverse();

/** The cgroup directories runc made for a namespace: one per v1 hierarchy, or one under the v2 root. */
function cgroupDirs(namespace: string): string[] {
  const root = '/sys/fs/cgroup';
  const dirs = [join(root, namespace)];
  try {
    for (const h of readdirSync(root)) dirs.push(join(root, h, namespace));
  } catch {
    // no cgroup fs
  }
  return dirs.filter((d) => existsSync(d));
}

export async function startEnvironment(): Promise<TestEnvironment> {
  const missing = REQUIRED.filter((b) => !which(b));
  if (missing.length) {
    throw new Error(
      `the containerd driver tests need ${missing.join(', ')}: apt-get install -y containerd runc docker-registry (and a running docker engine)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'lb-ctd-'));
  const socket = join(dir, 'containerd.sock');
  // Unique per run: runc names cgroups after it, and two runs must not share them.
  const namespace = `lbtest-${randomBytes(4).toString('hex')}`;
  let containerd: ChildProcess | undefined;
  let registry: ChildProcess | undefined;
  let pushed: string | undefined;

  const stop = async (): Promise<void> => {
    // Tasks first: a shim whose task is deleted exits on its own; then containerd; then whatever is left.
    if (containerd && existsSync(socket)) {
      const ctd = new Containerd(socket, namespace);
      try {
        // Tasks.List names each task's container in `id`.
        const { tasks } = await ctd.call<{ tasks: { id: string }[] }>('tasks', 'List', {});
        for (const { id } of tasks) {
          await ctd.call('tasks', 'Kill', { container_id: id, signal: 9, all: true }).catch(() => undefined);
          await ctd.call('tasks', 'Wait', { container_id: id }, { timeoutMs: 10_000 }).catch(() => undefined);
          await ctd.call('tasks', 'Delete', { container_id: id }).catch(() => undefined);
        }
      } catch {
        // containerd already gone
      } finally {
        ctd.close();
      }
    }
    await stopChild(containerd);
    for (const pid of shimPids(socket)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    for (const m of mountsUnder(dir)) {
      try {
        execFileSync('umount', ['-l', m], { stdio: 'pipe' });
      } catch {
        // already unmounted with its parent
      }
    }
    // runc leaves the namespace's parent cgroup behind (empty by now).
    for (const cgroup of cgroupDirs(namespace)) {
      try {
        rmdirSync(cgroup);
      } catch {
        // still busy or already gone
      }
    }
    await stopChild(registry);
    if (pushed) {
      try {
        execFileSync('docker', ['rmi', pushed], { stdio: 'pipe' });
      } catch {
        // not tagged
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const config = [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${socket}"`,
      '[ttrpc]',
      `  address = "${socket}.ttrpc"`,
      '[debug]',
      `  address = "${dir}/debug.sock"`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'containerd.toml'), config);
    const ctdLog = join(dir, 'containerd.log');
    containerd = spawnLogged('containerd', ['--config', join(dir, 'containerd.toml')], ctdLog);
    const probe = new Containerd(socket, namespace);
    try {
      await until(
        async () => existsSync(socket) && (await probe.call('version', 'Version', {}, { timeoutMs: 1000 }).then(() => true, () => false)),
        15_000,
        'containerd',
        ctdLog,
      );
    } finally {
      probe.close();
    }

    const port = await freePort();
    const regDir = join(dir, 'registry');
    writeFileSync(
      join(dir, 'registry.yml'),
      ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${regDir}`, 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'),
    );
    const regLog = join(dir, 'registry.log');
    registry = spawnLogged('docker-registry', ['serve', join(dir, 'registry.yml')], regLog);
    await until(
      async () => (await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok, () => false)),
      15_000,
      'docker-registry',
      regLog,
    );

    const image = `127.0.0.1:${port}/lb-test/busybox:latest`;
    execFileSync('docker', ['tag', 'lb-test/busybox:latest', image], { stdio: 'pipe' });
    pushed = image;
    execFileSync('docker', ['push', image], { stdio: 'pipe', timeout: 120_000 });
    return { dir, socket, namespace, image, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
