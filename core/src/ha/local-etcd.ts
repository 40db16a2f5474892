// A throwaway single-member etcd on loopback ports with a temp data dir: for tests and local HA trials.
// It fails (never skips) when the etcd binary is missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalEtcd {
  endpoint: string;
  dataDir: string;
  readonly pid: number;
  stop(): Promise<void>;
  /** kill -9, stay down for downMs, start again on the same ports and data. */
  restart(downMs?: number): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export async function startLocalEtcd(bin = process.env.LB_TEST_ETCD ?? 'etcd', timeoutMs = 15_000): Promise<LocalEtcd> {
  if (spawnSync(bin, ['--version'], { stdio: 'ignore' }).status !== 0)
    throw new Error(`etcd is not installed (tried "${bin}"): install etcd-server or set LB_TEST_ETCD to its path`);
  const dataDir = mkdtempSync(join(tmpdir(), 'lb-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${client}`;
  const args = [
    '--name', 'lb-test',
    '--data-dir', dataDir,
    '--listen-client-urls', endpoint,
    '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `lb-test=http://127.0.0.1:${peer}`,
    // Controller passes may write many pods in one txn.
    '--max-txn-ops', '4096',
    '--log-level', 'error',
  ];
  let stderr = '';
  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = async () => {
    child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    exited = new Promise<void>((r) => child.once('exit', () => r()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      const ok = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`etcd did not become healthy on ${endpoint}: ${stderr.trim().slice(-1000)}`);
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const stop = async () => {
    await kill();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    endpoint,
    dataDir,
    get pid() {
      return child.pid ?? 0;
    },
    stop,
    restart: async (downMs = 0) => {
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
  };
}
