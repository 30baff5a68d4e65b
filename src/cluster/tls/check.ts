// The TLS part of check-config and of start-up: the settings name files, and the files must be
// readable and fit together (key matches certificate, certificate issued by the CA, PKCS#12 not
// JKS). Failures become ConfigErrors that name the key and where it was set.
import type { TlsSettings } from '../remote-tls.js';
import { ConfigError, type Config } from '../../config/types.js';
import { loadTlsMaterial, TlsMaterialError, type TlsMaterial } from './material.js';

export function checkTlsFiles(settings: TlsSettings, config: Config): TlsMaterial {
  try {
    return loadTlsMaterial(settings);
  } catch (err) {
    if (!(err instanceof TlsMaterialError)) throw err;
    // A file path derived from secret-mount-point was set there, not under its own key.
    const mount = err.key.replace(/\.(key-file|cert-file|ca-cert-file)$/, '.secret-mount-point');
    const originKey = config.has(err.key) || mount === err.key ? err.key : mount;
    throw new ConfigError(`${err.message} (${originKey} set at ${config.describeOrigin(originKey)})`, err.key, config.origin(originKey));
  }
}
