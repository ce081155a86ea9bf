// The one dispatcher of subcommands (cli/subcommands.ts): parses a subcommand's options, checks the required ones,
// runs it, and turns what it throws into an exit code and a message on stderr.
import { parseArgs } from 'node:util';
import { isDomainError } from '../domain/errors';
import { SUBCOMMANDS } from './subcommands';
import { UsageError, type Io } from './usage';

const stdio: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export function isSubcommand(argv: readonly string[]): boolean {
  return SUBCOMMANDS.some((c) => c.name === argv[0]);
}

const USAGE_CODES = new Set(['ERR_PARSE_ARGS_UNKNOWN_OPTION', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE', 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL']);

/** Runs `argv` (subcommand first); resolves with the exit code (0 ok, 1 failed, 2 bad usage). */
export async function runSubcommand(argv: readonly string[], io: Io = stdio): Promise<number> {
  const [name, ...rest] = argv;
  const usage = (message: string) => {
    io.err(`ringside ${name}: ${message}\n`);
    return 2;
  };
  const command = SUBCOMMANDS.find((c) => c.name === name);
  if (!command) return usage('unknown command');
  const action = command.actions ? rest[0] : undefined;
  try {
    const { values } = parseArgs({ args: command.actions ? rest.slice(1) : rest, strict: true, options: command.options });
    const missing = command.required.filter((o) => values[o] === undefined);
    if (missing.length > 0) return usage(`${missing.map((o) => `--${o} ${o === 'data' ? 'DIR' : o === 'retain-days' ? 'N' : o.toUpperCase()}`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required`);
    if (command.actions && !command.actions.includes(action ?? '')) return usage(`use ${command.actions.map((a) => `${name} ${a}`).join(' | ')}`);
    return await command.run(values, io, action);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (error instanceof UsageError || USAGE_CODES.has(e.code ?? '')) return usage(e.message);
    io.err(`ringside ${name}: ${isDomainError(error) ? error.message : e.message}\n`);
    return 1;
  }
}
