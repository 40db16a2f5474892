#!/usr/bin/env node
// Benchmark (not a test): time from `lb run` to pod ready vs plain `docker run -d` of the same image,
// in the same run. Prints both medians and the ratio (target ≤ 1.2, issue 18). Needs a Docker engine and the
// test image (bash test/fixtures/build-image.sh). Usage: node test/bench/deploy-latency.js [runs] | --quick (2 runs)
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { median, now, percentile, quick, report, sleep } = require('./lib');
const { LB, removeNodeContainers, run, startServer } = require('./server');

const IMAGE = 'lb-test/busybox:latest';
const RUNS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? (quick ? 2 : 10));

async function main() {
  execFileSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-'));
  const node = `bench-${process.pid}`;
  let server;
  try {
    server = await startServer({ dir, name: node });
    const { client, env } = server;
    await client.createNamespace({ kind: 'Namespace', meta: { name: 'bench' } });

    const docker = [];
    const platform = [];
    for (let i = 0; i < RUNS; i++) {
      // baseline: docker run -d, the same image and command
      let t = now();
      const name = `lb-bench-docker-${process.pid}-${i}`;
      await run('docker', ['run', '-d', '--name', name, IMAGE, 'httpd', '-f', '-p', '8080', '-h', '/www']);
      docker.push(now() - t);
      execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });

      // platform: lb run → the pod reports ready
      const svc = `b${i}`;
      t = now();
      await run(process.execPath, [LB, 'run', svc, IMAGE, '-n', 'bench', '--command', 'httpd -f -p 8080 -h /www', '--detach'], env);
      for (;;) {
        const pods = await client.pods('bench', svc);
        if (pods.length && pods[0].status.state === 'ready') break;
        await sleep(5);
      }
      platform.push(now() - t);
      await client.deleteService('bench', svc);
    }
    for (let i = 0; i < 200 && (await client.services('bench')).length; i++) await sleep(100);

    // p99 by nearest rank: of 10 runs, the slowest.
    report({
      title: `deploy latency, ${RUNS} runs each, image ${IMAGE}: \`lb run --detach\` (CLI included) → pod ready vs \`docker run -d\``,
      rows: [
        { figure: 'lb run → ready, median', value: median(platform), unit: 'ms', peer: 'docker run -d, median', peerValue: median(docker), target: '≤ 1.2×' },
        { figure: 'lb run → ready, p99', value: percentile(platform, 0.99), unit: 'ms', peer: 'docker run -d, p99', peerValue: percentile(docker, 0.99) },
      ],
      extra: { runs: RUNS, docker_ms: { median: median(docker), p99: percentile(docker, 0.99) }, lb_ms: { median: median(platform), p99: percentile(platform, 0.99) }, ratio: median(platform) / median(docker) },
    });
  } finally {
    if (server) await server.stop();
    removeNodeContainers(node);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
