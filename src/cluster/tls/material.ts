// Reads and checks the key, certificate and CA files named by the TLS settings and turns them
// into a Node SecureContext. Every problem is a TlsMaterialError naming the config key and the
// file, so check-config, start-up and a failed reload all say exactly what to fix.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import {
  tlsKey,
  type ConfigEngineSettings,
  type RotatingKeysEngineSettings,
  type TlsSettings,
} from '../remote-tls.js';
import { chooseCiphers } from './ciphers.js';
import { certificatesFromPkcs12 } from './pkcs12-certs.js';

export class TlsMaterialError extends Error {
  constructor(
    message: string,
    /** The config key whose value (or file) is wrong. */
    readonly key: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'TlsMaterialError';
  }
}

export interface TlsMaterial {
  /** For clients (tls.connect). */
  readonly secureContext: SecureContext;
  /** The same material as options, for the server (tls.Server#setSecureContext). */
  readonly contextOptions: SecureContextOptions;
  /** CN and DNS names of this node's certificate, when known (PEM files); peers must share one. */
  readonly subjectNames: ReadonlySet<string>;
  /** End of validity of this node's certificate, when known. */
  readonly notAfter: string | undefined;
  /** Configured cipher suites that are ignored (they belong to the other TLS version). */
  readonly ignoredAlgorithms: readonly string[];
}

export function loadTlsMaterial(s: TlsSettings): TlsMaterial {
  return s.engine === 'rotating-keys-engine' ? loadPem(s) : loadStores(s);
}

/** Java key store magic numbers: JKS and JCEKS. */
const JKS_MAGIC = [0xfeedfeed, 0xcececece];

function isJavaKeyStore(bytes: Buffer): boolean {
  return bytes.length >= 4 && JKS_MAGIC.includes(bytes.readUInt32BE(0));
}

function read(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new TlsMaterialError(`${key}: cannot read [${path}]: ${why}`, key, path);
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM file, leaf first; throws when there is none or one does not parse. */
function parseCertificates(pem: Buffer, key: string, path: string): X509Certificate[] {
  const blocks = pem.toString('utf8').match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new TlsMaterialError(`${key}: [${path}] contains no PEM certificate`, key, path);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new TlsMaterialError(`${key}: certificate ${i + 1} in [${path}] does not parse: ${(err as Error).message}`, key, path);
    }
  });
}

function cipherOptions(s: TlsSettings): { ciphers: string; ignored: readonly string[] } {
  const key = tlsKey(s, 'enabled-algorithms');
  const choice = chooseCiphers(s.protocol, s.enabledAlgorithms);
  if (choice.unknown.length > 0) {
    throw new TlsMaterialError(`${key}: unknown or unavailable cipher suite(s) ${choice.unknown.join(', ')}`, key);
  }
  if (choice.ciphers === '') {
    throw new TlsMaterialError(`${key}: none of ${s.enabledAlgorithms.join(', ')} can be used with protocol ${s.protocol}`, key);
  }
  return { ciphers: choice.ciphers, ignored: choice.otherProtocol };
}

/** CN and DNS subject alternative names, lower-cased. */
export function subjectNames(cert: X509Certificate): Set<string> {
  const names = new Set<string>();
  for (const line of cert.subject.split('\n')) if (line.startsWith('CN=')) names.add(line.slice(3).toLowerCase());
  for (const entry of (cert.subjectAltName ?? '').split(', ')) {
    const m = /^DNS:"?([^"]*)"?$/.exec(entry);
    if (m) names.add(m[1]!.toLowerCase());
  }
  return names;
}

/** True when `leaf` chains (through `intermediates`) to one of `roots` by signature. */
function chainsTo(leaf: X509Certificate, intermediates: readonly X509Certificate[], roots: readonly X509Certificate[]): boolean {
  let current = leaf;
  for (let depth = 0; depth <= intermediates.length; depth++) {
    if (roots.some((r) => current.checkIssued(r) && current.verify(r.publicKey))) return true;
    const next = intermediates.find((c) => c !== current && current.checkIssued(c) && current.verify(c.publicKey));
    if (!next) return false;
    current = next;
  }
  return false;
}

function checkValidity(cert: X509Certificate, key: string, path: string, now = Date.now()): void {
  if (Date.parse(cert.validTo) < now) throw new TlsMaterialError(`${key}: the certificate in [${path}] expired at ${cert.validTo}`, key, path);
  if (Date.parse(cert.validFrom) > now) {
    throw new TlsMaterialError(`${key}: the certificate in [${path}] is not valid before ${cert.validFrom}`, key, path);
  }
}

function loadPem(s: RotatingKeysEngineSettings): TlsMaterial {
  const keyKey = tlsKey(s, 'key-file');
  const certKey = tlsKey(s, 'cert-file');
  const caKey = tlsKey(s, 'ca-cert-file');
  const keyPem = read(s.keyFile, keyKey);
  const certPem = read(s.certFile, certKey);
  const caPem = read(s.caCertFile, caKey);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch (err) {
    throw new TlsMaterialError(`${keyKey}: [${s.keyFile}] is not a usable private key (unencrypted PEM expected): ${(err as Error).message}`, keyKey, s.keyFile);
  }
  const [leaf, ...intermediates] = parseCertificates(certPem, certKey, s.certFile);
  const roots = parseCertificates(caPem, caKey, s.caCertFile);
  if (!leaf!.checkPrivateKey(privateKey)) {
    throw new TlsMaterialError(`${keyKey}: the key in [${s.keyFile}] does not belong to the certificate in [${s.certFile}]`, keyKey, s.keyFile);
  }
  checkValidity(leaf!, certKey, s.certFile);
  if (!chainsTo(leaf!, intermediates, roots)) {
    throw new TlsMaterialError(
      `${caKey}: the certificate in [${s.certFile}] (${leaf!.subject.replace(/\n/g, ', ')}) is not issued by a CA in [${s.caCertFile}]; ` +
        `peers trusting that CA would refuse this node`,
      caKey,
      s.caCertFile,
    );
  }
  const { ciphers, ignored } = cipherOptions(s);
  const contextOptions: SecureContextOptions = { key: keyPem, cert: certPem, ca: caPem, minVersion: s.protocol, maxVersion: s.protocol, ciphers };
  let secureContext: SecureContext;
  try {
    secureContext = createSecureContext(contextOptions);
  } catch (err) {
    throw new TlsMaterialError(`${certKey}: Node's TLS refuses [${s.certFile}] / [${s.keyFile}]: ${(err as Error).message}`, certKey, s.certFile);
  }
  return { secureContext, contextOptions, subjectNames: subjectNames(leaf!), notAfter: leaf!.validTo, ignoredAlgorithms: ignored };
}

function jksError(key: string, path: string): TlsMaterialError {
  const p12 = path.replace(/\.(jks|jceks|keystore)$/i, '') + '.p12';
  const convert = `keytool -importkeystore -srckeystore ${path} -srcstoretype JKS -destkeystore ${p12} -deststoretype PKCS12`;
  return new TlsMaterialError(
    `${key}: [${path}] is a Java KeyStore (JKS), which Node's TLS cannot read. Convert it to PKCS#12: ${convert}; then point ${key} at ${p12}`,
    key,
    path,
  );
}

function loadStores(s: ConfigEngineSettings): TlsMaterial {
  const ksKey = tlsKey(s, 'key-store');
  const tsKey = tlsKey(s, 'trust-store');
  if (s.keyPassword !== s.keyStorePassword) {
    const k = tlsKey(s, 'key-password');
    throw new TlsMaterialError(`${k}: a PKCS#12 key store has one password; set it equal to ${ksKey}-password`, k);
  }
  const keyStore = read(s.keyStore, ksKey);
  if (isJavaKeyStore(keyStore)) throw jksError(ksKey, s.keyStore);
  const trustStore = read(s.trustStore, tsKey);
  if (isJavaKeyStore(trustStore)) throw jksError(tsKey, s.trustStore);
  // A PEM file of CA certificates, or a PKCS#12 trust store (Node's TLS cannot load the latter itself).
  let caPem: string;
  if (trustStore.includes('-----BEGIN CERTIFICATE-----')) {
    caPem = trustStore.toString('utf8');
  } else {
    try {
      caPem = certificatesFromPkcs12(trustStore, s.trustStorePassword).join('');
    } catch (err) {
      const legacy = /legacy algorithm/.test((err as Error).message)
        ? `; re-export it: openssl pkcs12 -in ${s.trustStore} -nokeys -legacy -out ${s.trustStore}.pem and set ${tsKey} to that file`
        : '';
      throw new TlsMaterialError(`${tsKey}: [${s.trustStore}]: ${(err as Error).message}${legacy}`, tsKey, s.trustStore);
    }
    if (caPem === '') throw new TlsMaterialError(`${tsKey}: [${s.trustStore}] holds no certificates`, tsKey, s.trustStore);
  }
  parseCertificates(Buffer.from(caPem), tsKey, s.trustStore);
  const { ciphers, ignored } = cipherOptions(s);
  const contextOptions: SecureContextOptions = {
    pfx: [{ buf: keyStore, passphrase: s.keyStorePassword }],
    ca: caPem,
    minVersion: s.protocol,
    maxVersion: s.protocol,
    ciphers,
  };
  let secureContext: SecureContext;
  try {
    secureContext = createSecureContext(contextOptions);
  } catch (err) {
    const message = (err as Error).message;
    const hint = /mac verify failure/i.test(message) ? ' (wrong key-store-password?)' : '';
    throw new TlsMaterialError(`${ksKey}: [${s.keyStore}] cannot be used as a PKCS#12 key store: ${message}${hint}`, ksKey, s.keyStore);
  }
  return { secureContext, contextOptions, subjectNames: new Set(), notAfter: undefined, ignoredAlgorithms: ignored };
}
