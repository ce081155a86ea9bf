// Command-line options of `ringside` (server/dist/main.js). Pure: argv in, options or a message out.
import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from '../protocol';
import { LOG_LEVELS, type LogLevel } from '../logger';
import type { ServerOptions } from '../server';

export const USAGE = `Usage: node server/dist/main.js [options]

  --port N          port to listen on (default ${DEFAULT_PORT}; 0 picks a free port)
  --host HOST       address to listen on (default 127.0.0.1)
  --data DIR        data directory holding ringside.db (default ./.ringside)
  --demo            add simulated live traffic (calls and visits at several sites)
  --seed N          seed for --demo traffic (same seed, same traffic)
  --log-level L     ${LOG_LEVELS.join(' | ')} (default info; logs go to stderr)
  --help            show this help
`;

export type CliResult = { kind: 'help' } | { kind: 'run'; options: ServerOptions } | { kind: 'error'; message: string };

export function parseCli(argv: readonly string[]): CliResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        demo: { type: 'boolean' },
        seed: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
  if (values.help) return { kind: 'help' };
  const port = values.port === undefined ? DEFAULT_PORT : wholeNumber(values.port);
  if (port === null || port > 65_535) return { kind: 'error', message: `--port must be a whole number from 0 to 65535 (got "${values.port}")` };
  const seed = values.seed === undefined ? undefined : wholeNumber(values.seed);
  if (seed === null) return { kind: 'error', message: `--seed must be a whole number (got "${values.seed}")` };
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) return { kind: 'error', message: `--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")` };
  for (const key of ['host', 'data'] as const) {
    if (values[key] !== undefined && values[key].trim() === '') return { kind: 'error', message: `--${key} must not be empty` };
  }
  return {
    kind: 'run',
    options: {
      port,
      host: values.host ?? '127.0.0.1',
      dataDir: values.data ?? '.ringside',
      demo: values.demo ?? false,
      ...(seed !== undefined ? { demoSeed: seed } : {}),
      logLevel: logLevel as LogLevel,
    },
  };
}

function wholeNumber(text: string): number | null {
  return /^\d+$/.test(text) ? Number(text) : null;
}
