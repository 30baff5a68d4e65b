// Typed discovery failures. Every rejected lookup carries one of these, so callers (bootstrap,
// the `discover` command) can say precisely what failed without parsing messages.
import { formatLookup, type Lookup } from './types.js';

export class DiscoveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The lookup did not finish within the caller's resolve timeout. */
export class DiscoveryTimeoutError extends DiscoveryError {
  constructor(
    readonly lookup: Lookup,
    readonly timeoutMs: number,
    readonly method: string,
  ) {
    super(`Discovery method [${method}] timed out after ${timeoutMs} ms resolving ${formatLookup(lookup)}`);
  }
}

/** Every method of an aggregate failed; `failures` keeps each method's error in order. */
export class AggregateDiscoveryError extends DiscoveryError {
  constructor(
    readonly lookup: Lookup,
    readonly failures: ReadonlyArray<{ readonly method: string; readonly error: Error }>,
  ) {
    super(
      `All discovery methods failed for ${formatLookup(lookup)}: ` +
        failures.map((f) => `[${f.method}] ${f.error.message}`).join('; '),
    );
  }
}

/** The Kubernetes API request could not even be formed (env vars missing, bad port, unreadable CA). */
export class KubernetesApiRequestError extends DiscoveryError {}

/** The API server answered with a non-200 status. */
export class KubernetesApiStatusError extends DiscoveryError {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

/** 403: the service account may not list pods. The message points at RBAC. */
export class KubernetesApiForbiddenError extends KubernetesApiStatusError {}

/** The API server's 200 answer was not a PodList we can read. */
export class KubernetesApiMalformedResponseError extends DiscoveryError {}

/** Connection-level failure talking to the API server (refused, TLS, reset). */
export class KubernetesApiConnectionError extends DiscoveryError {}

/** One DNS exchange with one nameserver failed. */
export class DnsQueryError extends DiscoveryError {
  constructor(
    message: string,
    readonly nameserver: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The nameserver did not answer within pekko.io.dns.async-dns.resolve-timeout. */
export class DnsTimeoutError extends DnsQueryError {}

/** The nameserver answered with bytes that are not a DNS reply to our question. */
export class DnsMalformedResponseError extends DnsQueryError {}

/** Every nameserver failed for a query; names the query and each nameserver's failure. */
export class DnsResolveError extends DiscoveryError {
  constructor(
    readonly query: string,
    readonly failures: readonly DnsQueryError[],
  ) {
    super(
      `DNS resolution of [${query}] failed on every nameserver: ` +
        failures.map((f) => `${f.nameserver}: ${f.message}`).join('; '),
    );
  }
}

/** Bounds a lookup by the caller's timeout; the late answer, if any, is discarded. */
export function withTimeout<T>(work: Promise<T>, lookup: Lookup, timeoutMs: number, method: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DiscoveryTimeoutError(lookup, timeoutMs, method)), timeoutMs);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
