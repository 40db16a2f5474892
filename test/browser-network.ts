// A network namespace of its own for the dashboard tests' browser. Chromium watches the host's
// addresses over netlink and aborts every request in flight (ERR_NETWORK_CHANGED, or its retry
// interrupting a navigation) whenever an interface comes or goes, and the agent and the tests running
// in parallel on this host add and remove interfaces all the time. In a namespace whose only link is
// its loopback, nothing changes under it. The browser reaches the host's loopback through a SOCKS5
// proxy: a forwarder in the namespace listens on its loopback and hands each connection over a Unix
// socket (which crosses namespaces) to a proxy in this process, which connects only to 127.0.0.1.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8', timeout: 20_000 }).trim();
const PROXY_PORT = 1080;

// Runs in the namespace: TCP on its loopback → the Unix socket given as argv[1].
const FORWARDER = `
const net = require('node:net');
const [sock, port] = [process.argv[1], Number(process.argv[2])];
net.createServer((c) => { const u = net.connect(sock); c.pipe(u).pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); })
  .listen(port, '127.0.0.1', () => process.stdout.write('ready\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

export class BrowserNetwork {
  /** Chromium to launch instead of /usr/bin/chromium: the same, entered into the namespace. */
  readonly executable: string;
  /** Chromium's arguments that send every request, loopback too, through the proxy. */
  readonly args = [`--proxy-server=socks5://127.0.0.1:${PROXY_PORT}`, '--proxy-bypass-list=<-loopback>'];

  private constructor(
    private readonly netns: string,
    private readonly dir: string,
    private readonly proxy: Server,
    private readonly forwarder: ChildProcess,
  ) {
    this.executable = join(dir, 'chromium');
  }

  static async create(): Promise<BrowserNetwork> {
    const netns = `lbt${randomBytes(2).toString('hex')}-browser`;
    const dir = mkdtempSync(join(tmpdir(), 'lb-browser-'));
    const sock = join(dir, 'proxy.sock');
    ip('netns', 'add', netns);
    let proxy: Server | undefined;
    let forwarder: ChildProcess | undefined;
    try {
      ip('-n', netns, 'link', 'set', 'lo', 'up');
      proxy = await listenSocks(sock);
      forwarder = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', FORWARDER, sock, String(PROXY_PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
      await ready(forwarder);
      const net = new BrowserNetwork(netns, dir, proxy, forwarder);
      // `ip netns exec` execs chromium, so the process playwright started and stops is chromium itself.
      writeFileSync(net.executable, `#!/bin/sh\nexec ip netns exec ${netns} /usr/bin/chromium "$@"\n`);
      chmodSync(net.executable, 0o755);
      return net;
    } catch (e) {
      forwarder?.kill();
      proxy?.close();
      ip('netns', 'del', netns);
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Stops the forwarder and the proxy and removes the namespace (after the browser is closed). */
  async destroy(): Promise<void> {
    if (this.forwarder.exitCode === null) {
      const exited = new Promise((resolve) => this.forwarder.once('exit', resolve));
      this.forwarder.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => this.proxy.close(resolve));
    ip('netns', 'del', this.netns);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the browser's forwarder exited (${code})`)));
    child.stdout!.once('data', () => resolve());
  });
}

/** A SOCKS5 proxy (no authentication, CONNECT only) on a Unix socket that connects to 127.0.0.1 only. */
function listenSocks(path: string): Promise<Server> {
  const server = createServer((client) => {
    client.on('error', () => client.destroy());
    handshake(client).catch(() => client.destroy());
  });
  return new Promise((resolve, reject) => server.once('error', reject).listen(path, () => resolve(server)));
}

async function handshake(client: Socket): Promise<void> {
  const read = reader(client);
  const [version, methods] = await read(2);
  await read(methods);
  if (version !== 5) return void client.destroy();
  client.write(Buffer.from([5, 0]));
  const [, command, , type] = await read(4);
  let host: string;
  if (type === 1) host = [...(await read(4))].join('.');
  else if (type === 3) host = (await read((await read(1))[0])).toString('latin1');
  else return void client.end(Buffer.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]));
  const port = (await read(2)).readUInt16BE(0);
  // Only this host's loopback: the tests' traffic stays on it.
  if (command !== 1 || !['127.0.0.1', 'localhost'].includes(host)) return void client.end(Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0]));
  const upstream = createConnection({ host: '127.0.0.1', port });
  upstream.once('connect', () => {
    client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
    const rest = read.rest();
    if (rest.length) upstream.write(rest);
    client.pipe(upstream).pipe(client);
  });
  upstream.once('error', () => client.destroyed || client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])));
  client.once('close', () => upstream.destroy());
}

/** Reads exact byte counts off a socket, then hands back what came after them. */
function reader(socket: Socket): ((n: number) => Promise<Buffer>) & { rest(): Buffer } {
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiting?.();
  };
  socket.on('data', onData);
  const read = async (n: number): Promise<Buffer> => {
    while (buffered.length < n) {
      if (socket.destroyed) throw new Error('closed');
      await new Promise<void>((resolve) => {
        waiting = resolve;
        socket.once('close', resolve);
      });
      waiting = undefined;
    }
    const out = buffered.subarray(0, n);
    buffered = buffered.subarray(n);
    return out;
  };
  return Object.assign(read, {
    rest(): Buffer {
      socket.off('data', onData);
      return buffered;
    },
  });
}
