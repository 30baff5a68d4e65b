// The discovery plugin boundary (Pekko's ServiceDiscovery).
import type { ResolvedTarget } from '../address.js';

export type { ResolvedTarget };

export interface Lookup {
  readonly serviceName: string;
  readonly portName?: string;
  readonly protocol?: string;
}

export interface Resolved {
  readonly serviceName: string;
  readonly addresses: readonly ResolvedTarget[];
}

export interface ServiceDiscovery {
  /** Resolves the lookup, or rejects with a DiscoveryError saying what failed. */
  lookup(lookup: Lookup, timeoutMs: number): Promise<Resolved>;
  /** Releases sockets and timers. */
  close?(): Promise<void> | void;
}

/** Pekko prints a lookup as `Lookup(name,None,Some(tcp))`; logs and errors use the same form. */
export function formatLookup(l: Lookup): string {
  const opt = (v: string | undefined) => (v === undefined ? 'None' : `Some(${v})`);
  return `Lookup(${l.serviceName},${opt(l.portName)},${opt(l.protocol)})`;
}
