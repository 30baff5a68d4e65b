// Builds the typed settings of every layer that always runs, so that check-config (and run,
// before anything starts) reports a bad value with its key and origin instead of failing later.
// Bootstrap and discovery settings are read when bootstrap starts (as in Pekko, where a missing
// pekko.discovery.method only fails once bootstrap is used).
import type { Config } from '../config/types.js';
import { validateAllKeys } from '../checked-keys.js';
import { clusterSettingsFromConfig } from '../cluster/settings.js';
import { readCoordinatedShutdownSettings } from '../cluster/coordinated-shutdown-settings.js';
import { readFailureDetectorSettings } from '../cluster/failure-detector-settings.js';
import { managementSettingsFromConfig } from '../management/settings.js';
import { remoteSettingsFromConfig } from '../cluster/remote-settings.js';
import { readDowningSettings } from '../cluster/sbr/settings.js';
import { readLogFormat } from '../logging.js';
import { checkTlsFiles } from '../cluster/tls/check.js';

export function checkSettings(config: Config): void {
  validateAllKeys(config);
  const remote = remoteSettingsFromConfig(config);
  if (remote.tls) checkTlsFiles(remote.tls, config);
  clusterSettingsFromConfig(config);
  readFailureDetectorSettings(config);
  readDowningSettings(config, remote.systemName);
  readCoordinatedShutdownSettings(config);
  managementSettingsFromConfig(config);
  readLogFormat(config);
}
