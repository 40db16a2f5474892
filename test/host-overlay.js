// Removing a node's overlay from the host namespace once the servers that made it have stopped: its
// devices (and pod veths left on its bridge), and the iptables rules the vxlan driver added for the bridge
// (FORWARD accepts, the nat chain that masquerades its pods' way out; they carry the bridge's name).
// Plain JS, shared by the test harness (test/harness.ts) and the benchmarks (test/bench/server.js).
'use strict';
const { execFileSync } = require('node:child_process');

/** Runs a command quietly; false when it failed (the thing was not there). */
function quiet(cmd, args) {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** @param {{ bridge: string, vxlan: string }} overlay */
function removeOverlay(overlay) {
  // Pod veths still on the bridge (an attach cut short by a kill -9 leaves both ends here): each pair goes with its host end.
  let ports = [];
  try {
    ports = JSON.parse(execFileSync('ip', ['-j', 'link', 'show', 'master', overlay.bridge], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }) || '[]');
  } catch {
    /* no bridge */
  }
  for (const p of ports) quiet('ip', ['link', 'del', 'dev', p.ifname]);
  for (const link of [overlay.bridge, overlay.vxlan]) quiet('ip', ['link', 'del', 'dev', link]);
  for (const dir of ['-i', '-o']) {
    const rule = ['FORWARD', dir, overlay.bridge, '-m', 'comment', '--comment', `lastbackend vxlan ${overlay.bridge}`, '-j', 'ACCEPT'];
    for (let i = 0; i < 10 && quiet('iptables', ['-w', '5', '-D', ...rule]); i++);
  }
  // Its pods' way out: the jumps into the bridge's nat chain, then the chain.
  const chain = `LB-${overlay.bridge}`;
  let listed = '';
  try {
    listed = execFileSync('iptables', ['-w', '5', '-t', 'nat', '-S', 'POSTROUTING'], { encoding: 'utf8', timeout: 10_000 });
  } catch {
    /* no iptables */
  }
  for (const line of listed.split('\n').filter((l) => l.endsWith(`-j ${chain}`))) {
    const source = /^-A POSTROUTING -s (\S+) /.exec(line)?.[1];
    if (source) quiet('iptables', ['-w', '5', '-t', 'nat', '-D', 'POSTROUTING', '-s', source, '-m', 'comment', '--comment', `lastbackend vxlan ${overlay.bridge}`, '-j', chain]);
  }
  quiet('iptables', ['-w', '5', '-t', 'nat', '-F', chain]);
  quiet('iptables', ['-w', '5', '-t', 'nat', '-X', chain]);
}

/** The overlay a server on the defaults builds (the vxlan driver's default bridge and device). */
const DEFAULT_OVERLAY = { bridge: 'lb0', vxlan: 'lb.vxlan' };
/** The nftables table of the default CPI (drivers/nftables: table ip lastbackend). */
const DEFAULT_NFT_TABLE = 'lastbackend';

/** What a server on the defaults with its own node leaves on the host: the default overlay and the CPI's table. */
function removeDefaultHostNetwork() {
  removeOverlay(DEFAULT_OVERLAY);
  quiet('nft', ['delete', 'table', 'ip', DEFAULT_NFT_TABLE]);
}

module.exports = { removeOverlay, removeDefaultHostNetwork, DEFAULT_OVERLAY, DEFAULT_NFT_TABLE };
