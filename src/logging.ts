// Structured logging (pino). Every layer takes a Logger; tests pass a silent one.
// Output is JSON lines for machines, or pino-pretty's one-line human format for people
// (`muster.log.format = json | pretty | auto`; auto is pretty on a terminal, JSON otherwise).
import { pino, type DestinationStream, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import { build as prettyStream } from 'pino-pretty';
import { ConfigError, type Config } from './config/types.js';

export type Logger = PinoLogger;

export const LOG_FORMAT_KEY = 'muster.log.format';
export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The format to write: `auto` becomes pretty only when the output is a terminal. */
export function chooseLogFormat(format: LogFormat, isTty: boolean): 'json' | 'pretty' {
  return format === 'auto' ? (isTty ? 'pretty' : 'json') : format;
}

/** `muster.log.format`, `auto` when unset; any other value is a configuration error naming the key. */
export function readLogFormat(config: Config): LogFormat {
  if (!config.has(LOG_FORMAT_KEY)) return 'auto';
  const value = config.getString(LOG_FORMAT_KEY);
  if ((LOG_FORMATS as readonly string[]).includes(value)) return value as LogFormat;
  throw new ConfigError(
    `${LOG_FORMAT_KEY} must be one of ${LOG_FORMATS.join(', ')}, got "${value}" (${config.describeOrigin(LOG_FORMAT_KEY)})`,
    LOG_FORMAT_KEY,
  );
}

export interface CreateLoggerOptions extends LoggerOptions {
  /** Default `json`. */
  readonly format?: LogFormat;
  /** Where lines go; default stdout. */
  readonly output?: NodeJS.WriteStream;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const { format = 'json', output = process.stdout, ...pinoOptions } = options;
  const opts: LoggerOptions = { level: process.env.MUSTER_LOG_LEVEL ?? 'info', ...pinoOptions };
  if (chooseLogFormat(format, output.isTTY === true) === 'json') {
    return output === process.stdout ? pino(opts) : pino(opts, output as DestinationStream);
  }
  // One line per entry: time, level, `component:` and message, then the other fields as JSON.
  // Synchronous, so nothing is lost when the process exits right after a line.
  const stream = prettyStream({
    destination: output,
    sync: true,
    colorize: output.isTTY === true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,component',
    messageFormat: '{if component}{component}: {end}{msg}',
  });
  return pino(opts, stream);
}

export const silentLogger: Logger = pino({ level: 'silent' });
