// Shared by the benchmarks: an `lb server` on a free loopback port, over TLS as users run it (the
// default), with a client, CLI environment and CA that trust it. Not a test helper: plain JS, no jest.
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { join, resolve } = require('node:path');
const { LbClient } = require('@lastbackend/sdk');
const { cpuSeconds, sleep } = require('./lib');
const { removeDefaultHostNetwork } = require('../host-overlay');

const LB = join(resolve(__dirname, '..', '..'), 'core', 'bin', 'lb.js');
/** A value a line of lb.js's launcher sets (`':' //; NAME='…'`): the server runs as the launcher starts `lb server`. */
function launcherValue(name) {
  const m = new RegExp(`^':' \\/\\/; ${name}='([^']*)'$`, 'm').exec(readFileSync(LB, 'utf8'));
  if (!m) throw new Error(`${LB}: no launcher line "':' //; ${name}='…'"`);
  return m[1];
}
/** Its node options, and the malloc tunables it exports as GLIBC_TUNABLES (unless set). */
const SERVER_NODE_OPTIONS = launcherValue('SERVER_NODE_OPTIONS').split(' ').filter(Boolean);
const SERVER_MALLOC = launcherValue('SERVER_MALLOC');
const TOKEN = 'bench-token-0123456789abcdef';

/** A free TCP port on 127.0.0.1 (free when asked: another process may take it before it is used). */
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); }); });

/**
 * Starts `lb server --data-dir DIR --listen 127.0.0.1:PORT --token T --name NAME --log-level warn ARGS…`
 * and waits until it wrote its CA bundle (<dir>/tls/ca.crt), answers /healthz over https with that CA
 * trusted, and (unless ARGS has --no-agent) its own node reports ready. Throws if the server exits or
 * is not there within 30 s each. The caller owns DIR (and removes it); stop() ends the server.
 * The server runs with the node options and malloc tunables lb.js's launcher gives it (as users run it), then
 * LB_BENCH_SERVER_NODE_ARGS.
 * @param {{ dir: string, name: string, args?: string[] }} opts
 */
async function startServer({ dir, name, args = [] }) {
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const caFile = join(dir, 'tls', 'ca.crt');
  const argv = ['server', '--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--token', TOKEN, '--name', name, '--log-level', 'warn', ...args];
  // LB_BENCH_SERVER_NODE_ARGS: node options for the server alone (e.g. --cpu-prof --cpu-prof-dir=DIR to profile it).
  const nodeArgs = (process.env.LB_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const env = { ...process.env, GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ?? SERVER_MALLOC };
  const proc = spawn(process.execPath, [...SERVER_NODE_OPTIONS, ...nodeArgs, LB, ...argv], { stdio: 'inherit', env });
  let gone; // how it ended: set once it exited, or could not be started at all
  const exited = new Promise((r) => {
    proc.once('exit', (code, signal) => r((gone = signal ?? `code ${code}`)));
    proc.once('error', (e) => r((gone = e.message)));
  });
  const stop = async (signal = 'SIGTERM') => {
    if (!gone && proc.exitCode === null && proc.signalCode === null) {
      proc.kill(signal);
      await exited;
    }
    // Its own node built the default overlay and the CPI's table on the host: they go with it.
    if (!args.includes('--no-agent')) removeDefaultHostNetwork();
  };

  /** Polls `fn` every 100 ms until it returns a value; the server exiting or 30 s passing ends it. */
  const until = async (what, fn) => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
      if (gone) throw new Error(`lb server exited (${gone}) before ${what}`);
      const v = await fn().catch(() => undefined);
      if (v !== undefined) return v;
    }
    throw new Error(`lb server: no ${what} within 30 s`);
  };
  try {
    // Read again on each try: a bundle being written may be read half-way the first time.
    const client = await until(`its CA at ${caFile} and /healthz over https`, async () => {
      if (!existsSync(caFile)) return undefined;
      const c = new LbClient({ server: url, token: TOKEN, tls: { ca: readFileSync(caFile, 'utf8') } });
      return (await c.health()).status === 'ok' ? c : undefined;
    });
    if (!args.includes('--no-agent')) await until(`node ${name} ready`, async () => ((await client.node(name)).status.state === 'ready' ? true : undefined));
    const ca = readFileSync(caFile, 'utf8');
    // `lb` on the server's machine goes through its unix socket, as the context `lb server` writes says.
    const socket = join(dir, 'api.sock');
    const cli = existsSync(socket) ? `unix://${socket}` : url;
    return { url, port, token: TOKEN, node: name, client, ca, caFile, env: { LB_SERVER: cli, LB_TOKEN: TOKEN, LB_CA_FILE: caFile }, process: proc, stop };
  } catch (e) {
    await stop('SIGKILL');
    throw e;
  }
}

/** Removes every container (running or not) that node NAME's agent made: they carry its label. */
function removeNodeContainers(name) {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=io.lastbackend.node=${name}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (ids.length) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}

/** Runs `lb ARGS…` with the server's CLI environment; rejects with its stderr when it exits non-zero. */
function runLb(server, args) {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, [LB, ...args], { env: { ...process.env, ...server.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code) => (code === 0 ? res() : rej(new Error(`lb ${args.join(' ')}: ${err}`))));
  });
}

/** Runs CMD ARGS… with ENV added; rejects with its stderr when it exits non-zero. */
function run(cmd, args, env) {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('error', rej);
    c.on('exit', (code) => (code === 0 ? res() : rej(new Error(`${cmd} ${args.join(' ')}: ${err}`))));
  });
}

/** Resident memory of a process in MB (VmRSS from /proc/PID/status). */
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

module.exports = { LB, TOKEN, freePort, startServer, removeNodeContainers, run, runLb, rssMb, cpuSeconds };
