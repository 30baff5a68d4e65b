// The TLS context the transport uses for each new connection. For rotating-keys-engine the files
// are read again once the cached context is older than ssl-context-cache-ttl, so certificates a
// secret manager rotates on disk reach new connections without a restart; existing connections
// keep the context they were made with. A reload that fails keeps the last good context (unlike
// Pekko, which fails the connection) and logs why, so a half-written Secret update cannot cut a
// node off; the next attempt comes one TTL later. config-ssl-engine reads its stores once.
import type { TlsSettings } from '../remote-tls.js';
import { silentLogger, type Logger } from '../../logging.js';
import { loadTlsMaterial, type TlsMaterial } from './material.js';

export interface TlsContextOptions {
  readonly settings: TlsSettings;
  /** Milliseconds on any monotonic clock (the transport's scheduler). */
  readonly now: () => number;
  readonly logger?: Logger;
  /** Replaces reading the files (tests). */
  readonly load?: (settings: TlsSettings) => TlsMaterial;
}

export class TlsContextCache {
  private material: TlsMaterial;
  private expiresAt: number;
  private readonly load: (settings: TlsSettings) => TlsMaterial;
  private readonly logger: Logger;
  private readonly ttlMs: number;
  /** Successful loads, the first included (for tests and logs). */
  loads = 1;
  /** Reloads that failed and kept the previous context. */
  failedReloads = 0;

  /** Loads the material once; throws (TlsMaterialError) when it is unusable, so start-up fails. */
  constructor(private readonly options: TlsContextOptions) {
    this.load = options.load ?? loadTlsMaterial;
    this.logger = options.logger ?? silentLogger;
    this.ttlMs = options.settings.engine === 'rotating-keys-engine' ? options.settings.contextCacheTtlMs : Infinity;
    this.material = this.load(options.settings);
    this.expiresAt = options.now() + this.ttlMs;
    this.logIgnored(this.material);
  }

  /** The context for a connection starting now. */
  current(): TlsMaterial {
    const now = this.options.now();
    if (now < this.expiresAt) return this.material;
    this.expiresAt = now + this.ttlMs;
    try {
      const fresh = this.load(this.options.settings);
      this.loads++;
      this.material = fresh;
      this.logger.debug({ notAfter: fresh.notAfter }, 'Reloaded TLS key and certificates for new connections');
    } catch (err) {
      this.failedReloads++;
      this.logger.error(
        { reason: (err as Error).message, retryInMs: this.ttlMs },
        'Reloading TLS key and certificates failed; new connections keep using the last good ones',
      );
    }
    return this.material;
  }

  private logIgnored(m: TlsMaterial): void {
    if (m.ignoredAlgorithms.length === 0) return;
    this.logger.warn(
      { ignored: m.ignoredAlgorithms, protocol: this.options.settings.protocol },
      'enabled-algorithms lists cipher suites of another TLS version; they are never used',
    );
  }
}
