// A session served on one end of a real loopback connection and used from the other, as the API server and
// the CLI (or the agent and the API server) do.
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { LbError, type ExecSession } from '@lastbackend/sdk';
import { execSessionOver, serveExecSession } from './exec-wire';
import { joinStreams } from './join';

/** A session whose process is played by the test. */
function fakeSession(tty: boolean) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = tty ? null : new PassThrough();
  const resizes: [number, number][] = [];
  let kills = 0;
  let exit!: (v: { exitCode: number } | Error) => void;
  const exited = new Promise<{ exitCode: number }>((res, rej) => (exit = (v) => (v instanceof Error ? rej(v) : res(v))));
  const session: ExecSession = {
    stdin,
    stdout,
    stderr,
    resize: async (c, r) => void resizes.push([c, r]),
    wait: () => exited,
    kill: async () => {
      kills++;
      stdout.end();
      stderr?.end();
      exit(new LbError('FAILED_PRECONDITION', 'killed'));
    },
  };
  return { session, stdin, stdout, stderr, resizes, kills: () => kills, exit };
}

async function pair(): Promise<{ server: Server; a: Socket; b: Socket }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const b = connect((server.address() as { port: number }).port, '127.0.0.1');
  const [a] = (await accepted) as [Socket];
  return { server, a, b };
}

const read = async (s: NodeJS.ReadableStream) => {
  let out = '';
  for await (const c of s) out += String(c);
  return out;
};

describe('exec over a framed connection', () => {
  let p: { server: Server; a: Socket; b: Socket };
  beforeEach(async () => (p = await pair()));
  afterEach(() => {
    p.a.destroy();
    p.b.destroy();
    p.server.close();
  });

  it('stdin in (and its end), stdout and stderr apart, resizes, then the exit code', async () => {
    const f = fakeSession(false);
    const served = serveExecSession(f.session, p.a);
    const client = execSessionOver(p.b, { tty: false, stdin: true });
    const gotIn = read(f.stdin);
    client.stdin!.write('hello ');
    client.stdin!.end('world');
    await client.resize(100, 30);
    expect(await gotIn).toBe('hello world');
    f.stdout.end('out');
    f.stderr!.end('err');
    const outs = Promise.all([read(client.stdout), read(client.stderr!)]);
    f.exit({ exitCode: 7 });
    expect(await client.wait()).toEqual({ exitCode: 7 });
    expect(await outs).toEqual(['out', 'err']);
    await served;
    expect(f.resizes).toEqual([[100, 30]]);
    expect(f.kills()).toBe(0);
  });

  it("the remote error reaches the other end as its LbError", async () => {
    const f = fakeSession(true);
    void serveExecSession(f.session, p.a);
    const client = execSessionOver(p.b, { tty: true, stdin: false });
    expect(client.stderr).toBeNull();
    f.stdout.end();
    f.exit(new LbError('NOT_FOUND', 'container gone'));
    await expect(client.wait()).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'container gone' });
  });

  it('a client that goes away kills the session; a server that goes away fails wait() as UNAVAILABLE', async () => {
    const f = fakeSession(false);
    const served = serveExecSession(f.session, p.a);
    const client = execSessionOver(p.b, { tty: false, stdin: true });
    await client.kill();
    await served;
    expect(f.kills()).toBe(1);
    await expect(client.wait()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('garbage on the connection ends it with a protocol error, and the session with it', async () => {
    const f = fakeSession(false);
    const served = serveExecSession(f.session, p.a);
    p.b.write(Buffer.from([42, 0, 0, 0, 0]));
    const answer = read(p.b);
    await served;
    expect(f.kills()).toBe(1);
    expect(await answer).toContain('unknown frame type 42');
  });
});

describe('a joined tunnel', () => {
  it('carries bytes both ways, and closing one end closes the other', async () => {
    const left = await pair();
    const right = await pair();
    try {
      const joined = joinStreams(left.a, right.a);
      const fromRight = once(right.b, 'data');
      left.b.write('ping');
      const [ping] = (await fromRight) as [Buffer];
      expect(ping.toString()).toBe('ping');
      const fromLeft = once(left.b, 'data');
      right.b.write('pong');
      expect(((await fromLeft) as [Buffer])[0].toString()).toBe('pong');
      const leftClosed = once(left.b, 'close');
      right.b.destroy();
      left.b.resume();
      await leftClosed;
      await joined;
    } finally {
      for (const p of [left, right]) {
        p.a.destroy();
        p.b.destroy();
        p.server.close();
      }
    }
  });
});
