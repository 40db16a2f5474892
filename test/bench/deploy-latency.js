#!/usr/bin/env node
// Benchmark (not a test): time from `lb run` to pod ready vs plain `docker run -d` of the same image,
// in the same run. Prints both medians and the ratio (target ≤ 1.5). Needs a Docker engine and the
// test image (bash test/fixtures/build-image.sh). Usage: node test/bench/deploy-latency.js [runs]
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { LB, removeNodeContainers, startServer } = require('./server');

const IMAGE = 'lb-test/busybox:latest';
const RUNS = Number(process.argv[2] ?? 10);

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const run = (cmd, args, env) =>
  new Promise((res, rej) => {
    const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code) => (code === 0 ? res() : rej(new Error(`${cmd} ${args.join(' ')}: ${err}`))));
  });

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

    const rows = [
      ['docker run -d', median(docker), p(docker, 0.99)],
      ['lb run → ready', median(platform), p(platform, 0.99)],
    ];
    console.log(`\ndeploy latency, ${RUNS} runs each, image ${IMAGE}`);
    console.log('what              median ms   p99 ms');
    for (const [w, m, q] of rows) console.log(`${w.padEnd(17)} ${m.toFixed(0).padStart(9)} ${q.toFixed(0).padStart(8)}`);
    const ratio = median(platform) / median(docker);
    console.log(`ratio (median lb / median docker): ${ratio.toFixed(2)} (target ≤ 1.5)`);
    console.log(JSON.stringify({ runs: RUNS, docker_ms: { median: median(docker), p99: p(docker, 0.99) }, lb_ms: { median: median(platform), p99: p(platform, 0.99) }, ratio }));
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
