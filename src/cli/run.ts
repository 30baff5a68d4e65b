// `run` (the default command): start a node from the loaded configuration and keep it running
// until coordinated shutdown finishes (SIGTERM/SIGINT, leaving, being downed, bootstrap deadline).
import { start } from '../runtime.js';
import { expectOnly, loadOptions, type ParsedArgs } from './args.js';

export async function runCommand(args: ParsedArgs): Promise<number> {
  expectOnly(args, [], 0);
  const node = await start({ ...loadOptions(args), handleSignals: true });
  const result = await node.whenTerminated;
  // Everything is closed by now; if a stray handle still holds the event loop, do not hang on it.
  setTimeout(() => process.exit(result.processExitCode), 1000).unref();
  return result.processExitCode;
}
