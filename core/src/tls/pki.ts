// The cluster's own certificate authority: ECDSA P-256 keys (fast to make, small), certificates for
// the API server, for each node (client and agent endpoint) and for servers calling agents. Who a
// certificate is for is in its subject: O=lastbackend:server or O=lastbackend:node, CN=the name.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

// Node's webcrypto is the provider; its type differs from the DOM one the library declares.
x509.cryptoProvider.set(webcrypto as never);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
export const CA_DAYS = 10 * 365;
export const NODE_CERT_DAYS = 365;

import type { CertRole } from './cert-info';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface IssueRequest {
  role: CertRole;
  /** Server id or node name: the certificate's CN. */
  name: string;
  /** Host names and addresses the certificate is valid for (as a TLS server). */
  sans?: string[];
  days: number;
  /** The subject's public key (SPKI PEM); a new key pair is made when absent. */
  publicKey?: string;
}

const serial = () => '01' + randomBytes(15).toString('hex');

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** PEM text ends with a newline, so that bundles concatenate into valid PEM. */
const pem = (text: string) => (text.endsWith('\n') ? text : text + '\n');

async function keyPem(k: CryptoKey): Promise<string> {
  return pem(x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', k), 'PRIVATE KEY'));
}

async function importPrivate(pem: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pem), ALG, false, ['sign']);
}

export async function createCa(name = 'lastbackend-ca'): Promise<KeyPair> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + CA_DAYS * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: pem(cert.toString('pem')), key: await keyPem(keys.privateKey) };
}

/** A certificate signed by the CA; `key` is empty when the subject sent its own public key. */
export async function issue(ca: KeyPair, req: IssueRequest): Promise<KeyPair & { serial: string; expires: string }> {
  const caCert = new x509.X509Certificate(ca.cert);
  const own = req.publicKey ? undefined : await newKeys();
  const publicKey = req.publicKey ? await new x509.PublicKey(req.publicKey).export(ALG, ['verify']) : own!.publicKey;
  const now = Date.now();
  const notAfter = new Date(now + req.days * DAY);
  // Valid a little before now, for clocks a bit behind; never a large part of a short lifetime.
  const backdate = Math.min(60_000, (req.days * DAY) / 10);
  const sans = [...new Set(req.sans ?? [])].map((s) => (isIP(s) ? { type: 'ip' as const, value: s } : { type: 'dns' as const, value: s }));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${req.name}, O=lastbackend:${req.role}`,
    issuer: caCert.subject,
    notBefore: new Date(now - backdate),
    notAfter,
    signingKey: await importPrivate(ca.key),
    publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      ...(sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: pem(cert.toString('pem')), key: own ? await keyPem(own.privateKey) : '', serial: cert.serialNumber, expires: notAfter.toISOString() };
}

/** A key pair made where it is used (the agent): only the public half leaves the machine. */
export async function newKeyPair(): Promise<{ key: string; publicKey: string }> {
  const k = await newKeys();
  const spki = await webcrypto.subtle.exportKey('spki', k.publicKey);
  return { key: await keyPem(k.privateKey), publicKey: pem(x509.PemConverter.encode(spki, 'PUBLIC KEY')) };
}
