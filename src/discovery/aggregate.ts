// `aggregate` method: tries methods in order; the first non-empty answer wins and a failing
// method falls through to the next. Each method gets the full timeout, as in Pekko.
import type { Logger } from '../logging.js';
import { AggregateDiscoveryError, asError } from './errors.js';
import { formatLookup, type Lookup, type Resolved, type ServiceDiscovery } from './types.js';

export interface NamedDiscovery {
  readonly name: string;
  readonly discovery: ServiceDiscovery;
}

export class AggregateServiceDiscovery implements ServiceDiscovery {
  constructor(
    private readonly methods: readonly NamedDiscovery[],
    private readonly logger: Logger,
  ) {
    if (methods.length === 0) throw new Error('aggregate discovery needs at least one method');
  }

  async lookup(lookup: Lookup, timeoutMs: number): Promise<Resolved> {
    const failures: { method: string; error: Error }[] = [];
    let lastAnswer: Resolved | undefined;
    for (const [i, { name, discovery }] of this.methods.entries()) {
      const isLast = i === this.methods.length - 1;
      try {
        const resolved = await discovery.lookup(lookup, timeoutMs);
        if (resolved.addresses.length > 0) return resolved;
        lastAnswer = resolved;
        if (!isLast) this.logger.debug({ method: name }, `Method [${name}] found no targets for ${formatLookup(lookup)}. Trying next`);
      } catch (e) {
        const error = asError(e);
        failures.push({ method: name, error });
        lastAnswer = undefined;
        if (!isLast) this.logger.error({ method: name, err: error }, `Service discovery failed with method [${name}]. Trying next: ${error.message}`);
      }
    }
    // The last method's answer stands: empty is a successful empty result, a failure fails the lookup.
    if (lastAnswer === undefined) throw new AggregateDiscoveryError(lookup, failures);
    return lastAnswer;
  }
}
