// The agent's own HTTP server refuses deep and oversized bodies before JSON.parse, like the API.
import type { AgentPodStats, ExecResult } from '@lastbackend/sdk';
import { RemoteAgent } from '../api/remote-agent';
import type { Kernel } from '../kernel/kernel';
import type { Agent } from './agent';
import { startAgentServer, type AgentServer } from './agent-server';

describe('agent server request bodies', () => {
  const key = 'agent-key-for-the-spec';
  let srv: AgentServer;
  let url = '';
  const execs: string[][] = [];
  const agent = {
    async exec(_ns: string, _pod: string, command: string[]): Promise<ExecResult> {
      execs.push(command);
      return { exitCode: 0, stdout: 'ok\n', stderr: '' };
    },
    async stats(pods?: { namespace: string; name: string }[]): Promise<AgentPodStats> {
      return { node: 'n1', time: '2026-01-01T00:00:00.000Z', window: 1.5, pods: (pods ?? [{ namespace: 'ns', name: 'all' }]).map((p) => ({ ...p, containers: [{ name: 'c', cpu: 250, memory: 1024, cpu_seconds: 2 }] })) };
    },
  } as unknown as Agent;

  beforeAll(async () => {
    srv = await startAgentServer(() => agent, {} as Kernel, { key }, '127.0.0.1', 0);
    url = `http://127.0.0.1:${srv.port}`;
  });
  afterAll(() => new Promise<void>((r) => srv.server.close(() => r())));

  const post = async (body: string) => {
    const t = Date.now();
    const res = await fetch(`${url}/exec`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
    return { status: res.status, json: (await res.json()) as { code?: number; status?: string; reason?: string; message?: string }, ms: Date.now() - t };
  };

  it('runs a valid exec request', async () => {
    expect(await post(JSON.stringify({ namespace: 'ns', pod: 'p', command: ['echo', 'hi'] }))).toMatchObject({ status: 200, json: { stdout: 'ok\n' } });
    expect(execs).toEqual([['echo', 'hi']]);
  });

  it('refuses 1 MiB of "[" with 400 naming the depth', async () => {
    const r = await post('['.repeat(1024 * 1024));
    // eslint-disable-next-line no-console
    console.log(`agent server: 1 MiB of "[" refused in ${r.ms} ms`);
    expect(r).toMatchObject({ status: 400, json: { code: 400, status: 'Bad Request', reason: 'INVALID_ARGUMENT', message: 'request body: JSON nested deeper than 64 levels' } });
  });

  it('refuses a body over 1 MiB with 413, and bad JSON with 400 (not a 500)', async () => {
    expect(await post(JSON.stringify({ namespace: 'ns', pod: 'p', command: ['x'.repeat(2 * 1024 * 1024)] }))).toMatchObject({
      status: 413,
      json: { code: 413, status: 'Request Entity Too Large', reason: 'PAYLOAD_TOO_LARGE', message: 'request body is too large: at most 1 MiB' },
    });
    expect(await post('{"namespace":')).toMatchObject({ status: 400, json: { code: 400, status: 'Bad Request', reason: 'INVALID_ARGUMENT', message: expect.stringMatching(/^request body is not valid JSON/) } });
    expect(execs).toHaveLength(1);
  });

  it("answers the stats of the pods asked for (all without a list) to the API's RemoteAgent, and refuses a bad request", async () => {
    const remote = new RemoteAgent('n1', url, { key });
    expect(await remote.stats([{ namespace: 'ns', name: 'web-a' }])).toEqual({
      node: 'n1',
      time: '2026-01-01T00:00:00.000Z',
      window: 1.5,
      pods: [{ namespace: 'ns', name: 'web-a', containers: [{ name: 'c', cpu: 250, memory: 1024, cpu_seconds: 2 }] }],
    });
    expect((await remote.stats()).pods.map((p) => p.name)).toEqual(['all']);
    const bad = await fetch(`${url}/stats`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ pods: [{ namespace: 'ns' }] }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^invalid stats request: pods\.0\.name/);
    const stranger = new RemoteAgent('n1', url, { key: 'not-the-key' });
    await expect(stranger.stats()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
