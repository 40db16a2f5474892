// The subject each conformance suite needs, made from the loaded driver and the command's options.
// CPI needs more than a driver: two VIPs, two backends (HTTP servers this process starts on loopback)
// and, for the traffic check, a client that requests through a VIP from this process.
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DriverInstances } from '@lastbackend/sdk';
import type {
  CiiConformanceSubject,
  CpiConformanceSubject,
  CriConformanceSubject,
  CsiConformanceSubject,
} from '@lastbackend/sdk/testing';

export const DEFAULT_IMAGE = 'lb-test/busybox:latest';
export const DEFAULT_VIPS: [string, string] = ['127.0.0.10', '127.0.0.11'];
export const BACKEND_IPS = ['127.0.0.2', '127.0.0.3'] as const;

export interface SubjectOptions {
  image?: string;
  presentImage?: string;
  vips?: [string, string];
  /** false: the CPI suite checks tables only, it sends no traffic through the VIPs. */
  traffic?: boolean;
  schedulers?: ('wrr' | 'lc')[];
}

type Cleanup = () => Promise<void>;

/** An HTTP server on ip:<ephemeral port> that answers every request with `name`. */
async function backend(ip: string, name: string): Promise<{ server: Server; ip: string; port: number }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end(name));
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, ip, () => ok()));
  return { server, ip, port: (server.address() as AddressInfo).port };
}

const close = (s: Server) => new Promise<void>((ok) => (s.closeAllConnections(), s.close(() => ok())));

/** One GET through vip:port on a fresh connection; resolves with the body (a backend's name). */
const request = (vip: string, port: number): Promise<string> =>
  new Promise((ok, fail) => {
    const req = get({ host: vip, port, path: '/', agent: false, headers: { connection: 'close' }, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => ok(body)).on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${vip}:${port}/ timed out`))).on('error', fail);
  });

export const criSubject = (d: DriverInstances, o: SubjectOptions, cleanup: Cleanup): CriConformanceSubject => ({
  cri: d.cri!,
  image: o.image ?? DEFAULT_IMAGE,
  cleanup,
});

export const ciiSubject = (d: DriverInstances, o: SubjectOptions, cleanup: Cleanup): CiiConformanceSubject => ({
  cii: d.cii!,
  presentImage: o.presentImage ?? o.image ?? DEFAULT_IMAGE,
  cleanup,
});

export const csiSubject = (d: DriverInstances, _o: SubjectOptions, cleanup: Cleanup): CsiConformanceSubject => ({ csi: d.csi!, cleanup });

export async function cpiSubject(d: DriverInstances, o: SubjectOptions, cleanup: Cleanup): Promise<CpiConformanceSubject> {
  const servers: Server[] = [];
  try {
    for (const [i, ip] of BACKEND_IPS.entries()) servers.push((await backend(ip, `backend-${i + 1}`)).server);
  } catch (e) {
    for (const s of servers) await close(s);
    throw new Error(`cannot start the CPI backends on ${BACKEND_IPS.join(', ')}: ${(e as Error).message}`);
  }
  return {
    cpi: d.cpi!,
    vips: o.vips ?? DEFAULT_VIPS,
    backends: servers.map((s, i) => ({ ip: BACKEND_IPS[i], port: (s.address() as AddressInfo).port })),
    ...(o.schedulers?.length ? { schedulers: o.schedulers } : {}),
    ...(o.traffic === false ? {} : { request }),
    cleanup: async () => {
      for (const s of servers) await close(s);
      await cleanup();
    },
  };
}
