// The API server's side of a joined node's streams: RemoteAgent opens exec -i/-t and port-forward on the
// agent's server (plain HTTP with the agent key here; mutual TLS in production), which checks the caller
// first and hands the pod's name and port (never an address) to its agent.
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import { featureUnsupported, openUpgrade, type ExecSession } from '@lastbackend/sdk';
import type { Kernel } from '../kernel/kernel';
import { RemoteAgent } from '../api/remote-agent';
import type { Agent } from './agent';
import { startAgentServer, type AgentServer } from './agent-server';
import type { ExecStreamRequest } from './node-pods';

describe('agent server streams (exec -i/-t, port-forward)', () => {
  const key = 'agent-key-for-the-stream-spec';
  let srv: AgentServer;
  let url = '';
  const calls: unknown[][] = [];
  let streamable = true;
  const agent = {
    async execStream(ns: string, pod: string, command: string[], o: ExecStreamRequest): Promise<ExecSession> {
      calls.push(['exec', ns, pod, command, o]);
      if (!streamable) throw featureUnsupported('out-of-process-runtime', 'execStream');
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      stdin.pipe(stdout);
      return { stdin, stdout, stderr: null, resize: async () => undefined, wait: async () => (await finished(stdout), { exitCode: 4 }), kill: async () => void stdout.destroy() };
    },
    async portForward(ns: string, pod: string, port: number) {
      calls.push(['forward', ns, pod, port]);
      return new PassThrough(); // an echo server at the pod's port
    },
  } as unknown as Agent;

  beforeAll(async () => {
    srv = await startAgentServer(() => agent, {} as Kernel, { key }, '127.0.0.1', 0);
    url = `http://127.0.0.1:${srv.port}`;
  });
  afterAll(() => new Promise<void>((r) => srv.server.close(() => r())));
  beforeEach(() => (calls.length = 0));

  const read = async (r: NodeJS.ReadableStream) => {
    let out = '';
    for await (const c of r) out += String(c);
    return out;
  };

  it('an exec session through the agent: the command, its options, stdin back as output, the exit code', async () => {
    const s = await new RemoteAgent('n1', url, { key }).execStream('ns', 'p', ['sh', '-c', 'cat'], { tty: true, stdin: true, size: { cols: 90, rows: 20 } });
    s.stdin!.end('typed');
    expect(await read(s.stdout)).toBe('typed');
    expect(await s.wait()).toEqual({ exitCode: 4 });
    expect(calls).toEqual([['exec', 'ns', 'p', ['sh', '-c', 'cat'], { tty: true, stdin: true, size: { cols: 90, rows: 20 } }]]);
  });

  it('a runtime that cannot stream: its refusal reaches the caller as it is', async () => {
    streamable = false;
    try {
      await expect(new RemoteAgent('n1', url, { key }).execStream('ns', 'p', ['sh'], { tty: true, stdin: true })).rejects.toMatchObject({
        code: 'FAILED_PRECONDITION',
        message: expect.stringContaining('does not support "execStream"'),
      });
    } finally {
      streamable = true;
    }
  });

  it('a port-forward names the pod and the port, nothing else; bytes go both ways', async () => {
    const t = await new RemoteAgent('n1', url, { key }).portForward('ns', 'p', 8080);
    t.end('ping');
    expect(await read(t)).toBe('ping');
    expect(calls).toEqual([['forward', 'ns', 'p', 8080]]);
  });

  it('refuses a caller without the agent key, and an address in the query, before the agent is asked', async () => {
    await expect(new RemoteAgent('n1', url, { key: 'wrong' }).portForward('ns', 'p', 80)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(openUpgrade(`${url}/port-forward?namespace=ns&pod=p&port=80&host=10.0.0.1`, { protocol: 'lb-tcp.v1', headers: { authorization: `Bearer ${key}` } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(openUpgrade(`${url}/port-forward?namespace=ns&pod=p&port=80`, { protocol: 'websocket', headers: { authorization: `Bearer ${key}` } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(calls).toEqual([]);
  });
});
