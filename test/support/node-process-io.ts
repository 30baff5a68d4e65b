// The process side of the JSON-lines channel the test node processes share (cluster-process.ts,
// cluster/sbr-node-process.ts): configuration from the command line, commands on stdin, answers
// and events on stdout. Logs go to stderr.
import { createInterface } from 'node:readline';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';

/** One JSON object a line on stdout. */
export function writeLine(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

/**
 * Loads configuration as the CLI does, from `--config-text TEXT` and `-Dpath=value` arguments
 * (no environment overrides), and a logger on stderr at MUSTER_LOG_LEVEL (default info).
 */
export async function configFromArgs(argv: readonly string[]): Promise<{ config: Config; logger: Logger }> {
  let applicationText = '';
  const overrides: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--config-text') applicationText = argv[++i] ?? '';
    else if (a.startsWith('-D')) overrides.push(a);
    else throw new Error(`unknown argument ${a}`);
  }
  const config = await loadConfig({ applicationText, overrides, env: {} });
  const logger = pino({ level: process.env.MUSTER_LOG_LEVEL ?? 'info' }, pino.destination(2));
  return { config, logger };
}

/** Answers each command line on stdin with {id, ok, result} or {id, ok: false, error}; onClose once stdin ends. */
export function serveCommands(handle: (cmd: Record<string, unknown>) => unknown, onClose: () => void): void {
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      let cmd: Record<string, unknown> = {};
      try {
        cmd = JSON.parse(line) as Record<string, unknown>;
        writeLine({ id: cmd.id, ok: true, result: handle(cmd) });
      } catch (err) {
        writeLine({ id: cmd.id, ok: false, error: (err as Error).message });
      }
    })
    .on('close', onClose);
}
