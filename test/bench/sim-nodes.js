// Shared by the benchmarks: simulated nodes in the benchmark's own process. Each joins the cluster as an
// agent does (a join token, its own key pair and certificate), heartbeats, follows its node stream and
// reports every pod it is given ready at once, as the in-memory runtime would (no address: memory
// containers have none). What they cost the server is what real agents cost it: the join, the heartbeats,
// one node stream each and batched status reports. Not a test helper: plain JS, no jest.
'use strict';
const { cpus, totalmem } = require('node:os');
const { performance } = require('node:perf_hooks');
const { LbClient } = require('@lastbackend/sdk');
const { newKeyPair } = require('../../core/dist/tls/pki');

const HEARTBEAT_MS = 5000;

class SimNode {
  /** @param {string} name @param {import('@lastbackend/sdk').LbClient} client @param {number} maxPods */
  constructor(name, client, maxPods) {
    this.name = name;
    this.client = client;
    this.maxPods = maxPods;
    this.ctl = new AbortController();
    /** @type {Map<string, object>} reports waiting for the request in flight */
    this.pending = new Map();
    this.sending = false;
    this.reported = 0;
    /** performance.now() of the first and last pod given, and of the last report stored (where the time goes). */
    this.times = { firstPod: 0, lastPod: 0, lastStored: 0 };
  }

  report() {
    // Capacity like the machine the server's own node runs on, so both kinds of node score alike.
    return { labels: { sim: 'true' }, capacity: { cpu: cpus().length * 1000, ram: totalmem(), pods: this.maxPods, storage: 0 }, addresses: [], os: 'sim', arch: 'sim', hostname: this.name, version: 'sim', drivers: [] };
  }

  async start() {
    await this.client.reportNode(this.name, this.report());
    this.beat = setInterval(() => void this.client.reportNode(this.name, this.report()).catch(() => {}), HEARTBEAT_MS);
    this.watching = this.watch().catch((e) => { if (!this.ctl.signal.aborted) process.stderr.write(`sim node ${this.name}: ${e.message}\n`); });
  }

  async watch() {
    for await (const ev of this.client.watchNode(this.name, this.ctl.signal)) {
      if (ev.type === 'snapshot') for (const p of ev.pods) this.take(p);
      else if (ev.type === 'upsert') this.take(ev.pod);
    }
  }

  /** A pod of this node: "ready" at once (or "destroyed" once marked for deletion), unless it already is. */
  take(pod) {
    this.times.lastPod = performance.now();
    this.times.firstPod ||= this.times.lastPod;
    const state = pod.spec.destroy ? 'destroyed' : 'ready';
    if (pod.status.state === state) return;
    const containers = [];
    this.pending.set(`${pod.meta.namespace}/${pod.meta.name}`, { namespace: pod.meta.namespace, name: pod.meta.name, status: { state, running: state === 'ready', message: '', network: { host_ip: '', pod_ip: '' }, containers } });
    void this.flush();
  }

  /** One request at a time with every report made meanwhile, as the agent's status reporter sends them. */
  async flush() {
    if (this.sending || !this.pending.size) return;
    this.sending = true;
    const batch = [...this.pending.values()];
    this.pending.clear();
    try {
      await this.client.reportPods(this.name, batch);
      this.reported += batch.length;
      this.times.lastStored = performance.now();
    } catch (e) {
      if (!this.ctl.signal.aborted) process.stderr.write(`sim node ${this.name}: report failed: ${e.message}\n`);
    } finally {
      this.sending = false;
    }
    if (this.pending.size) void this.flush();
  }

  async stop() {
    clearInterval(this.beat);
    this.ctl.abort();
    await this.watching;
  }
}

/**
 * Joins COUNT simulated nodes (sim-000…) to the server startServer() started; resolves once each has
 * reported and opened its stream. Stop them with stopAll() before the server.
 * @param {{ url: string, ca: string, client: import('@lastbackend/sdk').LbClient }} server
 * @param {number} count
 * @param {number} maxPods
 */
async function simulateNodes(server, count, maxPods) {
  if (count < 1) return [];
  const created = await server.client.createToken({ role: 'node', uses: count, description: 'benchmark simulated nodes' });
  const bearer = created.token.split('.').slice(0, 3).join('.');
  const joiner = new LbClient({ server: server.url, token: bearer, tls: { ca: server.ca } });
  const nodes = [];
  for (let i = 0; i < count; i++) {
    const name = `sim-${String(i).padStart(3, '0')}`;
    const keys = await newKeyPair();
    // Where its agent would serve the API server (exec, logs): a loopback address nothing listens on.
    const r = await joiner.join(name, { address: `127.0.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`, public_key: keys.publicKey });
    const client = new LbClient({ server: server.url, token: r.token, tls: { ca: r.ca ?? server.ca, cert: r.certificate, key: keys.key } });
    const node = new SimNode(name, client, maxPods);
    await node.start();
    nodes.push(node);
  }
  return nodes;
}

/** @param {SimNode[]} nodes */
const stopAll = (nodes) => Promise.all(nodes.map((n) => n.stop()));

module.exports = { simulateNodes, stopAll };
