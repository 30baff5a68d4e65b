// Checks on a peer after its TLS handshake, and readable reasons for failed handshakes. Log
// lines carry these reasons and the peer's address, never key material or passwords.
import type { TLSSocket } from 'node:tls';
import type { TlsSettings } from '../remote-tls.js';
import { subjectNames, type TlsMaterial } from './material.js';

/**
 * With rotating-keys-engine (as in Pekko) the peer's certificate must carry one of this node's
 * subject names (CN or DNS SAN): a certificate for another cluster issued by the same CA is
 * refused. Returns the reason to refuse, or undefined.
 */
export function peerCertificateProblem(socket: TLSSocket, settings: TlsSettings, material: TlsMaterial): string | undefined {
  if (!settings.verifyPeerSubject) return undefined;
  const cert = socket.getPeerX509Certificate();
  if (!cert) return 'the peer presented no certificate';
  const theirs = subjectNames(cert);
  for (const name of theirs) if (material.subjectNames.has(name)) return undefined;
  return `none of the peer certificate's subject names [${[...theirs].join(', ')}] is among this node's [${[...material.subjectNames].join(', ')}]`;
}

/** OpenSSL and Node error codes, turned into what an operator needs to know. */
export function tlsFailureReason(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  switch (code) {
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_HTTP_REQUEST':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return `not a TLS handshake (${code})`;
    case 'ERR_TLS_HANDSHAKE_TIMEOUT':
      return 'TLS handshake timed out';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return `the peer certificate does not chain to the configured CA (${code})`;
    case 'CERT_HAS_EXPIRED':
      return `the peer certificate has expired (${code})`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `hostname verification failed: ${err.message}`;
    case 'ECONNRESET':
      return 'the peer closed the connection during the TLS handshake (it may not trust this node\'s certificate, or not speak TLS)';
    default:
      return code ? `${err.message} (${code})` : err.message;
  }
}
