// The one-line description of a loaded configuration printed by check-config and run.
import path from 'node:path';
import type { Config } from '../config/types.js';
import { applicationFile } from '../config/load.js';
import type { LoadOptions } from '../config/load.js';

function str(config: Config, key: string): string {
  return config.has(key) ? config.getString(key) : '?';
}

export function configSummary(config: Config, options: LoadOptions): string {
  const file = applicationFile(options);
  const cwd = options.cwd ?? process.cwd();
  const source = file ? path.relative(cwd, file) || file : 'no application config';
  const n = options.overrides?.length ?? 0;
  const overrides = n ? ` + ${n} override${n === 1 ? '' : 's'}` : '';
  const system = str(config, 'muster.system-name');
  const canonical = `${str(config, 'pekko.remote.artery.canonical.hostname')}:${str(config, 'pekko.remote.artery.canonical.port')}`;
  const management = `${str(config, 'pekko.management.http.hostname')}:${str(config, 'pekko.management.http.port')}`;
  // Bootstrap's own discovery-method wins; the special value `pekko.discovery` means the default method.
  const bootstrapMethod = str(config, 'pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method');
  const method = bootstrapMethod === 'pekko.discovery' ? str(config, 'pekko.discovery.method') : bootstrapMethod;
  const service = str(config, 'pekko.management.cluster.bootstrap.contact-point-discovery.service-name');
  return (
    `config ok (${source}${overrides}): system "${system}", cluster ${canonical}, ` +
    `management ${management}, discovery ${method}, service-name ${service}`
  );
}
