// `check-config`: load, type-check, print one line; a problem is reported by the dispatcher (exit 1).
import { loadConfig } from '../config/load.js';
import { expectOnly, loadOptions, type ParsedArgs } from './args.js';
import { checkSettings } from './settings-check.js';
import { configSummary } from './summary.js';

export async function checkConfigCommand(args: ParsedArgs): Promise<number> {
  expectOnly(args, [], 0);
  const options = loadOptions(args);
  const config = await loadConfig(options);
  checkSettings(config);
  process.stdout.write(configSummary(config, options) + '\n');
  return 0;
}
