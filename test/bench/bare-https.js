// Shared by the benchmarks: a bare node:https server, the peer an API figure is measured against. It answers
// fixed paths with fixed bytes (what `lb server` answered for them), over the same TLS as `lb server`: an
// ECDSA P-256 certificate from a CA of its own (core's pki), a client certificate asked for, never required.
// It runs in a child process so it does not share the load tool's event loop, as `lb server` does not.
'use strict';
const { spawn } = require('node:child_process');
const { createCa, issue } = require('../../core/dist/tls/pki');

const CHILD = `
  const { createServer } = require('node:https');
  process.once('disconnect', () => process.exit(0)); // the benchmark is gone, however it ended
  process.once('message', ({ key, cert, ca, answers }) => {
    const bodies = new Map(Object.entries(answers).map(([path, a]) => [path, { type: a.type, body: Buffer.from(a.body, 'base64') }]));
    const s = createServer({ key, cert, ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const a = bodies.get(req.url);
      if (!a) { res.writeHead(404); return res.end(); }
      res.writeHead(200, { 'content-type': a.type, 'content-length': a.body.length });
      res.end(a.body);
    });
    s.keepAliveTimeout = 60000;
    s.listen(0, '127.0.0.1', () => process.send(s.address().port));
  });
`;

/**
 * Starts the bare server answering each path of ANSWERS with its bytes and content type.
 * @param {Record<string, { type: string, body: Buffer }>} answers
 * @returns {Promise<{ url: string, ca: string, stop: () => void }>}
 */
async function startBareHttps(answers) {
  const ca = await createCa('bench-bare-ca');
  const { cert, key } = await issue(ca, { role: 'server', name: 'bench-bare', sans: ['127.0.0.1'], days: 1 });
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = () => { if (child.exitCode === null && child.signalCode === null) child.kill(); };
  try {
    const port = await new Promise((res, rej) => {
      child.once('message', res);
      child.once('error', rej);
      child.once('exit', (c, sig) => rej(new Error(`bare https server exited (${sig ?? `code ${c}`})`)));
      const wire = Object.fromEntries(Object.entries(answers).map(([path, a]) => [path, { type: a.type, body: a.body.toString('base64') }]));
      child.send({ key, cert, ca: ca.cert, answers: wire });
    });
    child.removeAllListeners('exit');
    return { url: `https://127.0.0.1:${port}`, ca: ca.cert, stop };
  } catch (e) {
    stop();
    throw e;
  }
}

module.exports = { startBareHttps };
