// Logs go to stderr as JSON lines; stdout is kept for the lines people and scripts read.
import pino, { type Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Fields pino must never print, whatever a future log call passes in. Beside keys: a PostgreSQL error's `detail`,
 * which holds the values of the row it refused (`Failing row contains (…)`, `Key (id)=(…)`): a posted event, its
 * agent among them. The error's message, code, constraint and stack say what went wrong without it.
 */
const LOG_REDACT = {
  paths: ['req.headers.authorization', 'headers.authorization', 'authorization', 'token', 'key', '*.token', 'auth.token', 'apiKey', 'secret', '*.detail', '*.cause.detail'],
  censor: '[redacted]',
};

export function createLogger(level: LogLevel): Logger {
  // Keys never reach the log, whatever a call site passes.
  return pino({ name: 'ringside', level, redact: LOG_REDACT }, pino.destination({ dest: 2, sync: true }));
}
