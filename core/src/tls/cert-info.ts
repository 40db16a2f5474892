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
  return named(subject?.O, subject?.CN, cert?.serialNumber, cert?.valid_to);
}

/**
 * identity() of a certificate as X509Certificate reads it: what the API asks of every request's socket
 * (TLSSocket.getPeerX509Certificate), five times cheaper than getPeerCertificate, which also hashes the
 * certificate three times. Its subject is one `key=value` line per attribute; a name with a second O or CN
 * is no identity.
 */
export function x509Identity(cert: X509Certificate | undefined): PeerIdentity | undefined {
  if (!cert) return undefined;
  const o: string[] = [];
  const cn: string[] = [];
  for (const line of cert.subject.split('\n')) {
    if (line.startsWith('O=')) o.push(line.slice(2));
    else if (line.startsWith('CN=')) cn.push(line.slice(3));
  }
  return o.length === 1 && cn.length === 1 ? named(o[0], cn[0], cert.serialNumber, cert.validTo) : undefined;
}

function named(o: unknown, cn: unknown, serial: string | undefined, validTo: string | undefined): PeerIdentity | undefined {
  if (typeof o !== 'string' || typeof cn !== 'string' || !serial) return undefined;
  const role = o === 'lastbackend:server' ? 'server' : o === 'lastbackend:node' ? 'node' : undefined;
  return role && { role, name: cn, serial: serial.toLowerCase(), expires: new Date(validTo ?? 0).toISOString() };
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
