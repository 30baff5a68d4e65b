// Test PKI made with the openssl CLI: a throwaway CA and server certificates signed by it, in a
// temp directory. Used by the Kubernetes API test server and any HTTPS test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCa {
  readonly dir: string;
  readonly caCertFile: string;
  readonly caKeyFile: string;
  readonly caCertPem: string;
  /** Issues a server certificate for the given IPs and DNS names (subjectAltName). */
  issue(name: string, sans: { ips?: string[]; dns?: string[] }): ServerCert;
  /** Removes the directory. */
  dispose(): void;
}

export interface ServerCert {
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  readonly keyPem: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function createTestCa(cn = 'muster-test-ca'): TestCa {
  const dir = mkdtempSync(path.join(tmpdir(), 'muster-ca-'));
  const caCertFile = path.join(dir, 'ca.crt');
  const caKeyFile = path.join(dir, 'ca.key');
  openssl(['req', '-x509', ...EC, '-keyout', caKeyFile, '-out', caCertFile, '-days', '2', '-subj', `/CN=${cn}`], dir);
  let serial = 1;
  return {
    dir,
    caCertFile,
    caKeyFile,
    caCertPem: readFileSync(caCertFile, 'utf8'),
    issue(name, sans) {
      const base = path.join(dir, name);
      const alt = [...(sans.ips ?? []).map((ip) => `IP:${ip}`), ...(sans.dns ?? []).map((d) => `DNS:${d}`)].join(',');
      writeFileSync(`${base}.ext`, `subjectAltName=${alt}\nextendedKeyUsage=serverAuth\n`);
      openssl(['req', ...EC, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${name}`], dir);
      openssl(
        ['x509', '-req', '-in', `${base}.csr`, '-CA', caCertFile, '-CAkey', caKeyFile, '-set_serial', String(++serial),
          '-out', `${base}.crt`, '-days', '2', '-extfile', `${base}.ext`],
        dir,
      );
      return {
        certFile: `${base}.crt`,
        keyFile: `${base}.key`,
        certPem: readFileSync(`${base}.crt`, 'utf8'),
        keyPem: readFileSync(`${base}.key`, 'utf8'),
      };
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
