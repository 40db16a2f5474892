// The CAs a TLS client trusts when it is given none, for a process started by the `lb` launcher
// (core/bin/lb.js). Node reads NODE_EXTRA_CA_CERTS at start-up, before any code runs, whether a connection
// will need it or not (~40 ms for a system bundle); the launcher hands it on as LB_EXTRA_CA_CERTS instead,
// and the clients that use the default trust add it back here, read once, when they are made.
import { readFileSync } from 'node:fs';

let loaded: { file: string; ca: string[] | undefined } | undefined;

/**
 * Node's default CAs plus $LB_EXTRA_CA_CERTS's, as Node itself trusts them under NODE_EXTRA_CA_CERTS; undefined
 * when that variable is not set (Node's own default applies). A file that cannot be read is warned about once and
 * ignored, as Node does.
 */
export function defaultCa(): string[] | undefined {
  const file = process.env.LB_EXTRA_CA_CERTS;
  if (!file) return undefined;
  if (loaded?.file !== file) {
    let ca: string[] | undefined;
    try {
      // Required here: tls loads crypto, which a client of a plain-http server never needs.
      const { rootCertificates } = require('node:tls') as typeof import('node:tls');
      ca = [...rootCertificates, readFileSync(file, 'utf8')];
    } catch (e) {
      process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(e as Error).message}`);
    }
    loaded = { file, ca };
  }
  return loaded.ca;
}
