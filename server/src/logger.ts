// Logs go to stderr as JSON lines; stdout is kept for the lines people and scripts read.
import pino, { type Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function createLogger(level: LogLevel): Logger {
  return pino({ name: 'ringside', level }, pino.destination({ dest: 2, sync: true }));
}
