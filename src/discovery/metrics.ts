// Counters of the discovery layer; management exposes them as metrics and benchmarks read them.

export class Counter {
  private n = 0;
  inc(by = 1): void {
    this.n += by;
  }
  get value(): number {
    return this.n;
  }
}

export class DiscoveryMetrics {
  /** HTTP requests sent to the Kubernetes API server (each page and each retry counts). */
  readonly kubernetesApiRequests = new Counter();
  /** DNS queries sent to a nameserver (cache hits do not count). */
  readonly dnsQueries = new Counter();
  /** DNS queries repeated over TCP because the UDP answer was truncated. */
  readonly dnsTcpRetries = new Counter();
  /** DNS answers served from the cache. */
  readonly dnsCacheHits = new Counter();
}

/** The process-wide counters, used unless a caller injects its own. */
export const discoveryMetrics = new DiscoveryMetrics();
