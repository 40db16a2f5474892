import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identity, x509Identity } from './cert-info';
import { createCa, issue } from './pki';

describe('x509Identity', () => {
  it('names the role, name, serial and expiry of a certificate as identity() does from the legacy object', async () => {
    const ca = await createCa();
    for (const role of ['node', 'server'] as const) {
      const issued = await issue(ca, { role, name: `${role}-1`, days: 30 });
      const x = new X509Certificate(issued.cert);
      const got = x509Identity(x);
      expect(got).toEqual({ role, name: `${role}-1`, serial: issued.serial.toLowerCase(), expires: new Date(x.validTo).toISOString() });
      // The legacy object as TLSSocket.getPeerCertificate gives it (built here: X509Certificate's
      // toLegacyObject() run before node:tls is loaded leaves tls.createSecureContext undefined for the rest
      // of the process, a load-order cycle in Node 20, which broke every later https test in the worker).
      expect(got).toEqual(identity({ subject: { O: `lastbackend:${role}`, CN: `${role}-1` }, serialNumber: x.serialNumber, valid_to: x.validTo }));
    }
    expect(x509Identity(new X509Certificate(ca.cert))).toBeUndefined(); // the CA itself has no role
    expect(x509Identity(undefined)).toBeUndefined();
  });

  it('is no identity for a subject with two organisations or two common names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-cert-info-'));
    try {
      for (const subj of ['/O=lastbackend:node/CN=a/CN=b', '/O=lastbackend:node/O=lastbackend:server/CN=a']) {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '1', '-subj', subj], { stdio: 'ignore' });
        expect(x509Identity(new X509Certificate(readFileSync(join(dir, 'c'))))).toBeUndefined();
      }
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '1', '-subj', '/O=lastbackend:node/CN=n1'], { stdio: 'ignore' });
      expect(x509Identity(new X509Certificate(readFileSync(join(dir, 'c'))))).toMatchObject({ role: 'node', name: 'n1' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
