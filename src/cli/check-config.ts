// `check-config [--strict]`: load, type-check, and run the same pre-start checks as `run`
// (configured health checks and routes, the discovery method), print compatibility warnings to
// stderr and one summary line; a problem is reported by the dispatcher (exit 1). With --strict
// (or muster.strict-config = on) a warning is an error.
import { formatFinding } from '../config/compat.js';
import { loadConfig } from '../config/load.js';
import { loadSecurity } from '../management/security.js';
import { applicationDir, preflight, validateDiscovery } from '../preflight.js';
import { expectOnly, loadOptions, type ParsedArgs } from './args.js';
import { checkSettings } from './settings-check.js';
import { configSummary } from './summary.js';

export async function checkConfigCommand(args: ParsedArgs): Promise<number> {
  expectOnly(args, ['strict'], 0);
  const options = loadOptions(args);
  const config = await loadConfig(options);
  checkSettings(config);
  validateDiscovery(config);
  const { findings, management } = await preflight(config, { baseDir: applicationDir(options), strict: args.options.has('strict') });
  loadSecurity(management.settings.security); // run reads the HTTPS and basic-auth files before binding, too
  for (const f of findings) process.stderr.write(`muster: ${formatFinding(f)}\n`);
  process.stdout.write(configSummary(config, options) + '\n');
  return 0;
}
