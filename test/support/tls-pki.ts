// Certificates for the TLS cluster transport tests, made at test time with the openssl CLI: a CA
// per call and node certificates it signs, usable as TLS server and client (mutual auth), laid
// out like a mounted Kubernetes TLS Secret (tls.key, tls.crt, ca.crt in one directory).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TlsSettings } from '../../src/cluster/remote-tls.js';

/**
 * Transport TLS settings for the rotating-keys-engine reading the Secret-like directory `secretDir`
 * (see Pki.secretDir): TLS 1.3, mutual authentication and peer subject check on, hostname
 * verification off, SSLContext cached 5 minutes; `over` replaces any of them.
 */
export function rotatingTls(secretDir: string, over: Partial<TlsSettings> = {}): TlsSettings {
  return {
    engine: 'rotating-keys-engine',
    protocol: 'TLSv1.3',
    enabledAlgorithms: ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'],
    requireMutualAuthentication: true,
    hostnameVerification: false,
    verifyPeerSubject: true,
    keyFile: path.join(secretDir, 'tls.key'),
    certFile: path.join(secretDir, 'tls.crt'),
    caCertFile: path.join(secretDir, 'ca.crt'),
    contextCacheTtlMs: 5 * 60_000,
    ...over,
  } as TlsSettings;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface NodeCert {
  readonly keyFile: string;
  readonly certFile: string;
}

export interface Pki {
  readonly dir: string;
  readonly caCertFile: string;
  /** A key and certificate signed by this CA, with the given subject names. */
  issue(name: string, opts?: { cn?: string; dns?: string[]; ips?: string[]; days?: number }): NodeCert;
  /** A directory laid out like a mounted TLS Secret: tls.key, tls.crt, ca.crt. */
  secretDir(name: string, cert: NodeCert): string;
  /** Replaces the files of a secret directory as a Secret update would (new files renamed into place). */
  rotate(dir: string, cert: NodeCert): void;
  /** A PKCS#12 key store with the node key, its certificate and the CA. */
  pkcs12(cert: NodeCert, password: string): string;
  /** A PKCS#12 trust store holding only the CA certificate (as openssl makes it). */
  trustStore(password: string): string;
  dispose(): void;
}

export function createPki(caName = 'muster-tls-test-ca'): Pki {
  const dir = mkdtempSync(path.join(tmpdir(), 'muster-pki-'));
  const caCertFile = path.join(dir, 'ca.crt');
  const caKeyFile = path.join(dir, 'ca.key');
  openssl(['req', '-x509', ...EC, '-keyout', caKeyFile, '-out', caCertFile, '-days', '2', '-subj', `/CN=${caName}`], dir);
  let serial = 1;
  return {
    dir,
    caCertFile,
    issue(name, opts = {}) {
      const base = path.join(dir, name);
      const alt = [...(opts.dns ?? ['muster-cluster']).map((d) => `DNS:${d}`), ...(opts.ips ?? ['127.0.0.1']).map((ip) => `IP:${ip}`)].join(',');
      writeFileSync(`${base}.ext`, `subjectAltName=${alt}\nextendedKeyUsage=serverAuth,clientAuth\n`);
      openssl(['req', ...EC, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${opts.cn ?? name}`], dir);
      openssl(
        ['x509', '-req', '-in', `${base}.csr`, '-CA', caCertFile, '-CAkey', caKeyFile, '-set_serial', String(++serial),
          '-out', `${base}.crt`, '-days', String(opts.days ?? 2), '-extfile', `${base}.ext`],
        dir,
      );
      return { keyFile: `${base}.key`, certFile: `${base}.crt` };
    },
    secretDir(name, cert) {
      const d = path.join(dir, `secret-${name}`);
      mkdirSync(d, { recursive: true });
      copyFileSync(cert.keyFile, path.join(d, 'tls.key'));
      copyFileSync(cert.certFile, path.join(d, 'tls.crt'));
      copyFileSync(caCertFile, path.join(d, 'ca.crt'));
      return d;
    },
    rotate(d, cert) {
      for (const [from, to] of [[cert.keyFile, 'tls.key'], [cert.certFile, 'tls.crt'], [caCertFile, 'ca.crt']] as const) {
        writeFileSync(path.join(d, `.${to}.new`), readFileSync(from));
        renameSync(path.join(d, `.${to}.new`), path.join(d, to));
      }
    },
    pkcs12(cert, password) {
      const out = `${cert.certFile}.p12`;
      openssl(['pkcs12', '-export', '-in', cert.certFile, '-inkey', cert.keyFile, '-certfile', caCertFile, '-out', out, '-passout', `pass:${password}`], dir);
      return out;
    },
    trustStore(password) {
      const out = path.join(dir, 'truststore.p12');
      openssl(['pkcs12', '-export', '-nokeys', '-in', caCertFile, '-out', out, '-passout', `pass:${password}`], dir);
      return out;
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
