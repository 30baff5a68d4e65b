// Structured logging (pino). Every layer takes a Logger; tests pass a silent one.
import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';

export type Logger = PinoLogger;

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({ level: process.env.MUSTER_LOG_LEVEL ?? 'info', ...options });
}

export const silentLogger: Logger = pino({ level: 'silent' });
