// Shared by the DNS benchmark and its server process: the records both servers hold (N services in
// namespace "shop", each with a VIP, plus one pod each), the names queried, and the same records as an
// /etc/hosts-style file for dnsmasq. Not a benchmark itself (no #! line).
'use strict';

const SUFFIX = 'lb.local';
const serviceName = (n) => (n === 0 ? 'web' : `svc-${n}`);

/** @param {number} count */
function records(count) {
  const services = [];
  const pods = [];
  for (let n = 0; n < count; n++) {
    services.push({ namespace: 'shop', name: serviceName(n), ip: `10.96.${n >> 8}.${n & 255}`, ports: [{ name: 'http', port: 80, protocol: 'tcp' }] });
    pods.push({ namespace: 'shop', service: serviceName(n), name: `${serviceName(n)}-0`, ip: `10.0.${n >> 8}.${n & 255}` });
  }
  return { services, pods };
}

/** The A names queried: every service's name (each answer: one A record in both servers). */
const queryNames = (count) => Array.from({ length: count }, (_, n) => `${serviceName(n)}.shop.${SUFFIX}`);

/** The services' and pods' A records as a hosts file (dnsmasq --addn-hosts). */
function hostsFile({ services, pods }) {
  const lines = services.map((s) => `${s.ip} ${s.name}.${s.namespace}.${SUFFIX}`);
  for (const p of pods) lines.push(`${p.ip} ${p.name}.${p.service}.${p.namespace}.${SUFFIX}`);
  return `${lines.join('\n')}\n`;
}

module.exports = { SUFFIX, records, queryNames, hostsFile };
