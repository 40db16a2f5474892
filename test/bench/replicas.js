#!/usr/bin/env node
// Benchmark (not a test): 100 replicas. Time from `lb apply` of a 100-replica service until all 100 pods
// report ready, vs 100 `docker run -d` of the same image at parallelism 4, in the same run; prints both and
// the ratio. Needs a Docker engine and the test image (bash test/fixtures/build-image.sh). Removes every
// container, the server and its data dir afterwards. Usage: node test/bench/replicas.js [replicas] | --quick (5)
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { now, quick, report, sleep } = require('./lib');
const { LB, run, startServer } = require('./server');

const IMAGE = 'lb-test/busybox:latest'; // CMD httpd -f -p 8080 -h /www
const N = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? (quick ? 5 : 100));
const PARALLEL = 4;

/** Ids of all containers (running or not) with the label. */
const labelled = (label) => execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
const removeLabelled = (label) => { const ids = labelled(label); if (ids.length) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' }); };

async function main() {
  execFileSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-rep-'));
  const mark = `lb-bench-replicas=${process.pid}`; // the baseline's containers
  const node = `bench-rep-${process.pid}`;
  const ours = `io.lastbackend.node=${node}`; // the platform's containers
  let server;
  const cleanup = async () => {
    if (server) await server.stop();
    for (const label of [mark, ours]) {
      try {
        removeLabelled(label);
      } catch (e) {
        console.error(`could not remove the containers labelled ${label}: ${e.message.split('\n')[0]}; remove them with docker rm -f $(docker ps -aq --filter label=${label})`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    // Baseline: N × docker run -d, PARALLEL at a time.
    let next = 0;
    const t0 = now();
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < N) {
          const i = next++;
          await run('docker', ['run', '-d', '--name', `lb-bench-rep-${process.pid}-${i}`, '--label', mark, IMAGE]);
        }
      }),
    );
    const docker = now() - t0;
    removeLabelled(mark);

    // Platform: one lb server with the Docker driver, `lb apply` of an N-replica service.
    const cfg = join(dir, 'config.json');
    const dockerDriver = { package: '@lastbackend/driver-docker' };
    writeFileSync(cfg, JSON.stringify({ drivers: { cri: dockerDriver, cii: dockerDriver }, discovery: { enabled: false }, node: { max_pods: N + 10 } }));
    server = await startServer({ dir, name: node, args: ['--config', cfg] });
    const { client } = server;
    await client.createNamespace({ kind: 'Namespace', meta: { name: 'bench' } });
    const file = join(dir, 'web.yaml');
    writeFileSync(file, `kind: Service\nmeta:\n  name: web\nspec:\n  replicas: ${N}\n  template:\n    containers:\n      - name: web\n        image:\n          name: ${IMAGE}\n`);
    const t1 = now();
    await run(process.execPath, [LB, 'apply', '-f', file, '-n', 'bench', '--detach'], server.env);
    let firstReady;
    for (;;) {
      if (now() - t1 > 600_000) throw new Error('the service was not ready after 10 minutes');
      const pods = await client.pods('bench', 'web');
      const ready = pods.filter((p) => !p.spec.destroy && p.status.state === 'ready').length;
      if (ready && firstReady === undefined) firstReady = now() - t1;
      if (ready >= N) break;
      await sleep(100);
    }
    const platform = now() - t1;
    const running = labelled(ours).length;

    // Tear down through the platform first (what a user would do), then make sure.
    await client.deleteService('bench', 'web');
    for (let i = 0; i < 600 && labelled(ours).length; i++) await sleep(100);

    const sec = (ms) => ms / 1000;
    const dockerPeer = `docker run -d ×${N}, ${PARALLEL} at a time`;
    report({
      title: `${N} containers of ${IMAGE}: \`lb apply\` of a ${N}-replica service vs ${N} \`docker run -d\` (the platform found ${running} containers running)`,
      rows: [
        { figure: 'lb apply → all pods ready', value: sec(platform), unit: 's', peer: dockerPeer, peerValue: sec(docker) },
        { figure: 'lb apply → all ready, per pod', value: platform / N, unit: 'ms', peer: 'docker run -d, per container', peerValue: docker / N },
        { figure: 'lb apply → first pod ready', value: sec(firstReady), unit: 's' },
        { figure: 'containers the platform ran', value: running, unit: '', target: `${N}` },
      ],
      extra: { replicas: N, parallel: PARALLEL, docker_ms: Math.round(docker), lb_ms: Math.round(platform), lb_first_ready_ms: Math.round(firstReady), ratio: +(platform / docker).toFixed(2) },
    });
  } finally {
    await cleanup();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
