// Every layer's table of checked keys, for the runtime and check-config (which sit above all
// layers): config/ only knows how to check a table, each layer knows its own keys.
import { BOOTSTRAP_KEYS } from './bootstrap/config-keys.js';
import { CLUSTER_KEYS } from './cluster/config-keys.js';
import { CONFIG_KEYS, validateConfig, type KeyTable } from './config/validate.js';
import type { Config } from './config/types.js';
import { DISCOVERY_KEYS } from './discovery/config-keys.js';
import { MANAGEMENT_KEYS } from './management/config-keys.js';
import { ROLLING_UPDATE_KEYS } from './rollingupdate/config-keys.js';

export const ALL_CHECKED_KEYS: readonly KeyTable[] = [CONFIG_KEYS, CLUSTER_KEYS, DISCOVERY_KEYS, MANAGEMENT_KEYS, BOOTSTRAP_KEYS, ROLLING_UPDATE_KEYS];

/** Checks the type of every key Muster reads (see config/validate.ts). */
export function validateAllKeys(config: Config): void {
  validateConfig(config, ALL_CHECKED_KEYS);
}
