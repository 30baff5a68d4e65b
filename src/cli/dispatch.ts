// Maps the parsed command line to a command and turns failures into exit codes:
// 0 success, 1 configuration or runtime error, 2 usage error.
import { ConfigError } from '../config/types.js';
import { parseArgs, UsageError, type CommandName, type ParsedArgs } from './args.js';
import { checkConfigCommand } from './check-config.js';
import { discoverCommand } from './discover.js';
import { helpCommand, USAGE } from './help.js';
import { printConfigCommand } from './print-config.js';
import { runCommand } from './run.js';

const COMMAND_TABLE: Partial<Record<CommandName, (args: ParsedArgs) => Promise<number>>> = {
  run: runCommand,
  'check-config': checkConfigCommand,
  'print-config': printConfigCommand,
  discover: (args) => discoverCommand(args),
  help: helpCommand,
};

export async function dispatch(argv: readonly string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.help) return await helpCommand();
    const command = COMMAND_TABLE[args.command];
    if (!command) throw new UsageError(`unknown command '${args.command}'`);
    return await command(args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`muster: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`muster: configuration error: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`muster: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
