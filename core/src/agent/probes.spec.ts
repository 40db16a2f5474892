// A failing probe says why (the container's status shows it): the exit code, the HTTP status, the refused port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContainerRuntime, ProbeSpec } from '@lastbackend/sdk';
import { ProbeState, check } from './probes';

const spec = (s: Partial<ProbeSpec>): ProbeSpec => ({ initial_delay: 0, period: 1, timeout: 2, success_threshold: 1, failure_threshold: 1, ...s }) as ProbeSpec;
const cri = (exitCode: number) => ({ exec: async () => ({ exitCode, stdout: '', stderr: '' }) }) as unknown as ContainerRuntime;
const target = { containerId: 'c1', ip: '127.0.0.1', startedAt: 0 };

describe('probe checks', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => res.writeHead(req.url === '/ok' ? 200 : 503).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('passes, or names why not', async () => {
    expect(await check(spec({ exec: { command: ['true'] } }), target, cri(0))).toBeUndefined();
    expect(await check(spec({ exec: { command: ['test', '-f', '/ready'] } }), target, cri(1))).toBe('test -f /ready exited with code 1');
    expect(await check(spec({ http: { scheme: 'http', port, path: '/ok' } } as Partial<ProbeSpec>), target, cri(0))).toBeUndefined();
    expect(await check(spec({ http: { scheme: 'http', port, path: '/health' } } as Partial<ProbeSpec>), target, cri(0))).toBe(`HTTP 503 from http://127.0.0.1:${port}/health`);
    const closed = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    expect(await check(spec({ tcp: { port: closed } } as Partial<ProbeSpec>), target, cri(0))).toBe(`tcp 127.0.0.1:${closed}: ECONNREFUSED`);
    expect(await check(spec({ tcp: { port } } as Partial<ProbeSpec>), { ...target, ip: '' }, cri(0))).toBe('the pod has no address yet');
  });

  it('a probe keeps the last failure until a check passes', async () => {
    let code = 1;
    const rt = { exec: async () => ({ exitCode: code, stdout: '', stderr: '' }) } as unknown as ContainerRuntime;
    const p = new ProbeState('readiness', spec({ exec: { command: ['check'] } }), target);
    await p.tick(10_000, rt);
    expect([p.ok, p.lastError]).toEqual([false, 'check exited with code 1']);
    code = 0;
    await p.tick(20_000, rt);
    expect([p.ok, p.lastError]).toEqual([true, undefined]);
  });
});
