// A home for Chromium whose NSS database trusts the cluster CA(s), as a user who installed the CA would.
// Plain JS, shared by the dashboard tests (test/browser.ts) and the dashboard benchmark
// (test/bench/dashboard.js). Not playwright's ignoreHTTPSErrors: with it, every new connection's
// handshake fails first and its request restarts, and a navigation that draws one failing connection
// after another gives up after 32 restarts (net::ERR_TOO_MANY_RETRIES). The trust outlives the server's
// restarts (a new serving key, the same CA). Needs certutil (Debian's libnss3-tools).
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

/**
 * A new temporary directory to run the browser with as HOME; trusting the CAs in caFile, if one is given.
 * The caller removes it.
 * @param {string | undefined} caFile
 * @returns {string}
 */
function homeTrusting(caFile) {
  const home = mkdtempSync(join(tmpdir(), 'lb-browser-home-'));
  if (!caFile) return home;
  const db = `sql:${join(home, '.pki', 'nssdb')}`;
  mkdirSync(join(home, '.pki', 'nssdb'), { recursive: true });
  const certutil = (...args) => execFileSync('certutil', ['-d', db, ...args], { stdio: 'pipe', timeout: 20_000 });
  certutil('-N', '--empty-password');
  const pems = readFileSync(caFile, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new Error(`no certificate in ${caFile}`);
  pems.forEach((pem, i) => {
    const file = join(home, `ca-${i}.crt`);
    writeFileSync(file, pem);
    certutil('-A', '-n', `lastbackend-${i}`, '-t', 'C,,', '-a', '-i', file);
  });
  return home;
}

module.exports = { homeTrusting };
