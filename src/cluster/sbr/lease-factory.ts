// Builds the lease lease-majority uses from configuration: `lease-implementation` names a config
// block (normally pekko.coordination.lease.kubernetes) whose lease-class selects the resource.
import type { Address } from '../../address.js';
import { formatHostPort } from '../../address.js';
import type { Config } from '../../config/types.js';
import { readKubernetesLeaseSettings, type SbrSettings } from './settings.js';
import { KubernetesLease, type KubernetesLeaseDeps } from './kubernetes-lease.js';
import type { Lease } from './lease.js';

/** The SBR lease for this node (owner `system@host:port`), or undefined when no lease is configured. */
export function sbrLeaseFromConfig(
  config: Config,
  sbr: SbrSettings | undefined,
  self: Address,
  deps: KubernetesLeaseDeps,
  env: NodeJS.ProcessEnv = process.env,
): Lease | undefined {
  if (!sbr?.lease) return undefined;
  const settings = readKubernetesLeaseSettings(config, sbr.lease.implementation, env);
  return new KubernetesLease(settings, sbr.lease.leaseName, formatHostPort(self), deps);
}
