// Shared by the data-path benchmarks (VIP, ingress, CPI swap): the fast static backend, fast-httpd.c
// compiled with Debian's gcc (-static -O2) and imported into the local Docker engine as a FROM scratch
// image, so the path measured is slower than what serves it. No registry is involved. The image carries
// the hash of its source and is built again only when the source changes. Not a test helper: plain JS.
'use strict';
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { mkdirSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const IMAGE = 'lb-bench/fast-httpd:latest';
const SOURCE = join(__dirname, 'fast-httpd.c');
const LABEL = 'io.lastbackend.bench.source';
/** The port it serves in its container, and the workers (threads) it runs: the command of a pod. */
const PORT = 8080;
const command = (workers = 2) => ['/fast-httpd', String(PORT), String(workers)];

/** Builds IMAGE unless the engine has it from the same source; returns its name. */
function buildBackendImage() {
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 16);
  try {
    const have = execFileSync('docker', ['image', 'inspect', '-f', `{{index .Config.Labels "${LABEL}"}}`, IMAGE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (have === hash) return IMAGE;
  } catch {
    // not there yet
  }
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-backend-'));
  try {
    mkdirSync(join(dir, 'root'));
    try {
      execFileSync('gcc', ['-static', '-O2', '-pthread', '-o', join(dir, 'root', 'fast-httpd'), SOURCE], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new Error(`gcc -static of ${SOURCE} failed (apt-get install gcc libc6-dev): ${e.stderr ?? e.message}`);
    }
    const tar = execFileSync('tar', ['-C', join(dir, 'root'), '-c', '.']);
    execFileSync('docker', ['import', '--change', `LABEL ${LABEL}=${hash}`, '--change', `EXPOSE ${PORT}`, '--change', `CMD ${JSON.stringify(command())}`, '-', IMAGE], { input: tar, stdio: ['pipe', 'ignore', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return IMAGE;
}

/** A container spec for an lb service template serving on PORT. */
const backendContainer = (workers = 2) => ({ name: 'web', image: { name: IMAGE }, command: command(workers) });

module.exports = { IMAGE, PORT, buildBackendImage, backendContainer };
