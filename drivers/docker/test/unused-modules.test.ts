// The Docker driver in a real node process (jest's module registry does not use node's module cache): what
// dockerode would load for features the driver never uses (ssh2, gRPC) is not loaded, and using such a
// feature fails saying so.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** Runs SCRIPT in a fresh node process (cwd: the repository) and parses the JSON line it prints. */
function inNode<T>(script: string): T {
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as T;
}

const LOADED = `const loaded = (part) => Object.keys(require.cache).some((k) => k.includes(part));`;

describe('modules dockerode loads and the Docker driver never uses', () => {
  it('are not loaded by the driver: no ssh2, no gRPC', () => {
    const r = inNode<{ ssh2: boolean; grpc: boolean; protoLoader: boolean }>(`${LOADED}
      const { createClient } = require('./drivers/docker/dist/client');
      createClient({ socket: '/nonexistent/docker.sock' }).close();
      console.log(JSON.stringify({ ssh2: loaded('/node_modules/ssh2/'), grpc: loaded('/@grpc/grpc-js/'), protoLoader: loaded('/@grpc/proto-loader/') }));`);
    expect(r).toEqual({ ssh2: false, grpc: false, protoLoader: false });
  });

  it('are loaded by dockerode itself (what the driver avoids)', () => {
    const r = inNode<{ ssh2: boolean; grpc: boolean }>(`${LOADED}
      require(require.resolve('dockerode', { paths: ['./drivers/docker'] }));
      console.log(JSON.stringify({ ssh2: loaded('/node_modules/ssh2/'), grpc: loaded('/@grpc/grpc-js/') }));`);
    expect(r).toEqual({ ssh2: true, grpc: true });
  });

  it('an ssh:// engine fails with an error that names the missing transport', () => {
    const r = inNode<{ error: string }>(`
      const { createClient } = require('./drivers/docker/dist/client');
      createClient({ socket: '/nonexistent/docker.sock' }).close();
      const Docker = require(require.resolve('dockerode', { paths: ['./drivers/docker'] }));
      new Docker({ protocol: 'ssh', host: '127.0.0.1', port: 22, username: 'lb' }).ping().then(
        () => console.log(JSON.stringify({ error: '' })),
        (e) => console.log(JSON.stringify({ error: e.message })),
      );`);
    expect(r.error).toBe('@lastbackend/driver-docker does not use the ssh:// engine transport (docker-modem/lib/ssh.js is not loaded)');
  });
});
