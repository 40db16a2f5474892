// Integration tests run against a real Docker engine. Fail loudly when none answers (never skip),
// and build the offline test image once per run.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe', timeout: 15000 });
  } catch (e) {
    throw new Error(
      'integration tests need a running Docker engine: start dockerd (`npm test` does it when run as root). ' +
        String(e.stderr || e.message).trim(),
    );
  }
  execFileSync('bash', [path.join(__dirname, '..', 'fixtures', 'build-image.sh')], { stdio: 'inherit' });
};
