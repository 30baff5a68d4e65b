// Pekko names cipher suites the way Java (and the IANA registry) does; OpenSSL, under Node's TLS,
// uses its own names for TLS 1.2 suites. TLS 1.3 suites have the same name in both.
import { getCiphers } from 'node:tls';
import type { TlsProtocol } from '../remote-tls.js';

/** IANA name -> OpenSSL name of the TLS 1.2 suites worth enabling (forward secret, AEAD or SHA-2). */
const TLS12_SUITES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 'DHE-RSA-AES128-GCM-SHA256',
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 'DHE-RSA-AES256-GCM-SHA384',
  TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'DHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: 'ECDHE-ECDSA-AES256-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: 'ECDHE-RSA-AES256-SHA384',
};

export interface CipherChoice {
  /** The value for Node's `ciphers` option. */
  readonly ciphers: string;
  /** Configured names Muster does not know or this Node build does not offer. */
  readonly unknown: readonly string[];
  /** Configured names that cannot be used with the configured protocol. */
  readonly otherProtocol: readonly string[];
}

/** Maps `enabled-algorithms` to Node's `ciphers` string for the one protocol in use. */
export function chooseCiphers(protocol: TlsProtocol, enabled: readonly string[]): CipherChoice {
  const available = new Set(getCiphers().map((c) => c.toUpperCase()));
  const usable: string[] = [];
  const unknown: string[] = [];
  const otherProtocol: string[] = [];
  for (const name of enabled) {
    const upper = name.toUpperCase();
    const tls13 = upper.startsWith('TLS_') && !upper.includes('_WITH_');
    const openssl = tls13 ? upper : TLS12_SUITES[upper];
    if (openssl === undefined || !available.has(openssl)) unknown.push(name);
    else if (tls13 !== (protocol === 'TLSv1.3')) otherProtocol.push(name);
    else usable.push(openssl);
  }
  return { ciphers: usable.join(':'), unknown, otherProtocol };
}
