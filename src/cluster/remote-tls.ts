// Typed settings of the TLS cluster transport: Pekko's pekko.remote.artery.ssl.* keys, read when
// pekko.remote.artery.transport = tls-tcp. Only names and values are checked here; the files
// themselves are read (and checked) by src/cluster/tls/ when the transport starts or check-config runs.
import { ConfigError, type Config } from '../config/types.js';

const SSL = 'pekko.remote.artery.ssl';
export const CONFIG_SSL_ENGINE = `${SSL}.config-ssl-engine`;
export const ROTATING_KEYS_ENGINE = `${SSL}.rotating-keys-engine`;

/** Pekko's provider class names, as they appear in `ssl-engine-provider`. */
export const CONFIG_SSL_ENGINE_PROVIDER = 'org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider';
export const ROTATING_KEYS_ENGINE_PROVIDER = 'org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider';

/** TLS versions Muster accepts in `protocol` (Node/OpenSSL refuse older ones at their default security level). */
export type TlsProtocol = 'TLSv1.2' | 'TLSv1.3';

interface CommonTlsSettings {
  /** The one TLS version used (Pekko enables exactly the configured protocol). */
  readonly protocol: TlsProtocol;
  /** Cipher suites by their IANA (Java) names, as configured. */
  readonly enabledAlgorithms: readonly string[];
  /** The server asks for and verifies the client's certificate. */
  readonly requireMutualAuthentication: boolean;
  /** The client checks the server certificate's SAN/CN against the dialled host. */
  readonly hostnameVerification: boolean;
  /** Peers must share a subject name (CN or SAN) with this node's certificate (rotating-keys-engine). */
  readonly verifyPeerSubject: boolean;
}

/** `config-ssl-engine`: a PKCS#12 key store for this node's key and certificate, and a trust store. */
export interface ConfigEngineSettings extends CommonTlsSettings {
  readonly engine: 'config-ssl-engine';
  readonly keyStore: string;
  readonly keyStorePassword: string;
  readonly keyPassword: string;
  readonly trustStore: string;
  readonly trustStorePassword: string;
}

/** `rotating-keys-engine`: PEM files re-read after the cache TTL (cert-manager, mounted Secrets). */
export interface RotatingKeysEngineSettings extends CommonTlsSettings {
  readonly engine: 'rotating-keys-engine';
  readonly keyFile: string;
  readonly certFile: string;
  readonly caCertFile: string;
  readonly contextCacheTtlMs: number;
}

export type TlsSettings = ConfigEngineSettings | RotatingKeysEngineSettings;

/** The config key of a settings field, for error messages that name what to fix. */
export function tlsKey(s: TlsSettings, field: string): string {
  return `${s.engine === 'config-ssl-engine' ? CONFIG_SSL_ENGINE : ROTATING_KEYS_ENGINE}.${field}`;
}

export function tlsSettingsFromConfig(config: Config): TlsSettings {
  const providerKey = `${SSL}.ssl-engine-provider`;
  const provider = str(config, providerKey, CONFIG_SSL_ENGINE_PROVIDER).trim();
  if (provider === ROTATING_KEYS_ENGINE_PROVIDER) return rotating(config);
  if (provider === CONFIG_SSL_ENGINE_PROVIDER) return configEngine(config);
  throw new ConfigError(
    `${providerKey} = ${provider} is not supported; Muster implements [${CONFIG_SSL_ENGINE_PROVIDER}] and ` +
      `[${ROTATING_KEYS_ENGINE_PROVIDER}] (${config.describeOrigin(providerKey)})`,
    providerKey,
    config.origin(providerKey),
  );
}

function configEngine(config: Config): ConfigEngineSettings {
  const p = CONFIG_SSL_ENGINE;
  return {
    engine: 'config-ssl-engine',
    ...common(config, p),
    requireMutualAuthentication: bool(config, `${p}.require-mutual-authentication`, true),
    hostnameVerification: bool(config, `${p}.hostname-verification`, false),
    verifyPeerSubject: false,
    keyStore: path(config, `${p}.key-store`, 'keystore'),
    keyStorePassword: str(config, `${p}.key-store-password`, 'changeme'),
    keyPassword: str(config, `${p}.key-password`, 'changeme'),
    trustStore: path(config, `${p}.trust-store`, 'truststore'),
    trustStorePassword: str(config, `${p}.trust-store-password`, 'changeme'),
  };
}

function rotating(config: Config): RotatingKeysEngineSettings {
  const p = ROTATING_KEYS_ENGINE;
  // Pekko derives the three file paths from secret-mount-point by substitution; Muster's reference
  // layer avoids substitutions (see reference-snapshot.ts), so the derivation happens here.
  const mount = str(config, `${p}.secret-mount-point`, '/var/run/secrets/pekko-tls/rotating-keys-engine').replace(/\/+$/, '');
  const ttlKey = `${p}.ssl-context-cache-ttl`;
  const ttl = config.has(ttlKey) ? config.getDurationMs(ttlKey) : 5 * 60_000;
  if (!(ttl > 0) || !Number.isFinite(ttl)) {
    throw new ConfigError(`${ttlKey} must be a duration greater than 0 (${config.describeOrigin(ttlKey)})`, ttlKey, config.origin(ttlKey));
  }
  return {
    engine: 'rotating-keys-engine',
    ...common(config, p),
    // As in Pekko's RotatingKeysSSLEngineProvider: always mutual, no hostname check, but peers
    // must carry one of this node's subject names (so a certificate of another cluster signed
    // by the same CA is refused).
    requireMutualAuthentication: true,
    hostnameVerification: false,
    verifyPeerSubject: true,
    keyFile: path(config, `${p}.key-file`, `${mount}/tls.key`),
    certFile: path(config, `${p}.cert-file`, `${mount}/tls.crt`),
    caCertFile: path(config, `${p}.ca-cert-file`, `${mount}/ca.crt`),
    contextCacheTtlMs: ttl,
  };
}

function common(config: Config, prefix: string): Pick<CommonTlsSettings, 'protocol' | 'enabledAlgorithms'> {
  const protocolKey = `${prefix}.protocol`;
  const protocol = str(config, protocolKey, 'TLSv1.3').trim();
  if (protocol !== 'TLSv1.2' && protocol !== 'TLSv1.3') {
    throw new ConfigError(
      `${protocolKey} = ${protocol} is not supported; use TLSv1.3 or TLSv1.2 (${config.describeOrigin(protocolKey)})`,
      protocolKey,
      config.origin(protocolKey),
    );
  }
  const algorithmsKey = `${prefix}.enabled-algorithms`;
  const enabledAlgorithms = config.has(algorithmsKey)
    ? config.getStringList(algorithmsKey).map((a) => a.trim())
    : ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'];
  if (enabledAlgorithms.length === 0 || enabledAlgorithms.some((a) => a === '')) {
    throw new ConfigError(
      `${algorithmsKey} must list at least one cipher suite and no empty names (${config.describeOrigin(algorithmsKey)})`,
      algorithmsKey,
      config.origin(algorithmsKey),
    );
  }
  return { protocol, enabledAlgorithms };
}

function str(config: Config, key: string, fallback: string): string {
  return config.has(key) ? config.getString(key) : fallback;
}

function path(config: Config, key: string, fallback: string): string {
  const value = str(config, key, fallback).trim();
  if (value === '') throw new ConfigError(`${key} must name a file (${config.describeOrigin(key)})`, key, config.origin(key));
  return value;
}

function bool(config: Config, key: string, fallback: boolean): boolean {
  return config.has(key) ? config.getBoolean(key) : fallback;
}
