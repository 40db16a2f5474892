// What a certificate says, read with Node's own X509Certificate: cheap to load, for every process that
// checks peers (the API, agents, the CLI), unlike pki.ts which makes certificates.
import { createHash, X509Certificate } from 'node:crypto';

export type CertRole = 'server' | 'node';

/** What a join token pins: the SHA-256 of the CA bundle exactly as the server serves it at /cacerts. */
export function caHash(bundle: string): string {
  return createHash('sha256').update(bundle).digest('hex');
}

export interface PeerIdentity {
  role: CertRole;
  name: string;
  serial: string;
  expires: string;
}

/** Who a CA-verified peer certificate names (undefined for a certificate of no known role). */
export function identity(cert: { subject?: object; serialNumber?: string; valid_to?: string } | undefined): PeerIdentity | undefined {
  const subject = cert?.subject as Record<string, unknown> | undefined;
  const o = subject?.O;
  const cn = subject?.CN;
  if (typeof o !== 'string' || typeof cn !== 'string' || !cert?.serialNumber) return undefined;
  const role = o === 'lastbackend:server' ? 'server' : o === 'lastbackend:node' ? 'node' : undefined;
  return role && { role, name: cn, serial: cert.serialNumber.toLowerCase(), expires: new Date(cert.valid_to ?? 0).toISOString() };
}

/** Serial of a PEM certificate, in the form identity() gives. */
export function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber.toLowerCase();
}

/** When a certificate starts and ends (ms since epoch). */
export function validity(pem: string): { from: number; to: number } {
  const c = new X509Certificate(pem);
  return { from: Date.parse(c.validFrom), to: Date.parse(c.validTo) };
}
