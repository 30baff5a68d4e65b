// `run` (the default command): start a node from the loaded configuration. Until the runtime
// wiring lands, it validates the configuration and reports what the node would use.
import { loadConfig } from '../config/load.js';
import { validateConfig } from '../config/validate.js';
import { expectOnly, loadOptions, type ParsedArgs } from './args.js';
import { configSummary } from './summary.js';

export async function runCommand(args: ParsedArgs): Promise<number> {
  expectOnly(args, [], 0);
  const options = loadOptions(args);
  const config = await loadConfig(options);
  validateConfig(config);
  process.stdout.write(configSummary(config, options) + '\n');
  return 0;
}
