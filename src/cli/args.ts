// Command-line parsing shared by every command:
//   node dist/main.js [COMMAND] [ARG ...] [--config FILE] [-Dpath=value ...] [--flag] [--opt VALUE]
import type { LoadOptions } from '../config/load.js';

export const COMMANDS = ['run', 'check-config', 'print-config', 'discover', 'help'] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface ParsedArgs {
  readonly command: CommandName;
  /** --config FILE */
  readonly configFile: string | undefined;
  /** -Dpath=value arguments, as given (applied in order, later wins). */
  readonly overrides: readonly string[];
  /** Non-option arguments after the command (e.g. print-config's PATH). */
  readonly positionals: readonly string[];
  /** Other --name / --name VALUE / --name=VALUE options. Flags hold `true`. */
  readonly options: ReadonlyMap<string, string | true>;
  readonly help: boolean;
}

/** A command-line mistake: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Options that take a value; every other --option is a flag. */
const VALUE_OPTIONS = new Set(['config', 'service']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  let command: CommandName | undefined;
  let configFile: string | undefined;
  let help = false;
  const overrides: string[] = [];
  const positionals: string[] = [];
  const options = new Map<string, string | true>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
    } else if (arg.startsWith('-D')) {
      const body = arg.slice(2);
      if (body.indexOf('=') <= 0) throw new UsageError(`invalid override '${arg}': expected -Dpath=value`);
      overrides.push(arg);
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      let value: string | true = true;
      if (eq > 0) value = arg.slice(eq + 1);
      else if (VALUE_OPTIONS.has(name)) {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('-')) throw new UsageError(`--${name} needs a value`);
        value = next;
        i++;
      }
      if (VALUE_OPTIONS.has(name) && value === true) throw new UsageError(`--${name} needs a value`);
      if (!VALUE_OPTIONS.has(name) && value !== true) throw new UsageError(`--${name} takes no value`);
      if (name === 'config') configFile = value as string;
      else options.set(name, value);
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option '${arg}'`);
    } else if (command === undefined && positionals.length === 0 && (COMMANDS as readonly string[]).includes(arg)) {
      command = arg as CommandName;
    } else {
      positionals.push(arg);
    }
  }
  return { command: command ?? (help ? 'help' : 'run'), configFile, overrides, positionals, options, help };
}

/** Reject options and arguments a command does not take. */
export function expectOnly(args: ParsedArgs, allowedOptions: readonly string[], maxPositionals: number): void {
  for (const name of args.options.keys()) {
    if (!allowedOptions.includes(name)) throw new UsageError(`${args.command} does not take --${name}`);
  }
  if (args.positionals.length > maxPositionals) {
    throw new UsageError(`${args.command}: unexpected argument '${args.positionals[maxPositionals]}'`);
  }
}

/** What loadConfig needs from the command line. */
export function loadOptions(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LoadOptions {
  return {
    ...(args.configFile !== undefined ? { configFile: args.configFile } : {}),
    overrides: [...args.overrides],
    env,
    cwd,
  };
}
