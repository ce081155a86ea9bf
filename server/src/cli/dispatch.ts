// The one dispatcher of subcommands (cli/subcommands.ts): finds the command (`verify`, or a group's action such as
// `keys create`), parses its options from its own table, answers --help from that same table, checks the required
// ones, runs it, and turns what it throws into an exit code and a message on stderr.
import { parseArgs } from 'node:util';
import { isDomainError } from '../domain/errors';
import { didYouMean } from '../protocol/nearMiss';
import { COMMAND_WORDS, SUBCOMMANDS } from './subcommands';
import { commandHelp, groupHelp, HELP_OPTION, joinNegativeValues, optionWords, parseArgsProblem, parseOptions, PROGRAM, shortUsage, UsageError, type Io, type Subcommand, type Values } from './usage';

const stdio: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/**
 * Whether the command line starts with a command rather than an option: the server takes no positional argument,
 * so a first word that is no command is a mistyped one (runSubcommand says so), not a stray argument of the server.
 */
export function namesCommand(argv: readonly string[]): boolean {
  return argv[0] !== undefined && !argv[0].startsWith('-');
}

const USAGE_CODES = new Set(['ERR_PARSE_ARGS_UNKNOWN_OPTION', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE', 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL']);

const asksHelp = (args: readonly string[]): boolean => args.some((a) => a === '--help' || a === '-h');

/** Runs `argv` (subcommand first); resolves with the exit code (0 ok, 1 failed, 2 bad usage). */
export async function runSubcommand(argv: readonly string[], io: Io = stdio): Promise<number> {
  const [word = '', action] = argv;
  const group = SUBCOMMANDS.filter((c) => c.name === word || c.name.startsWith(`${word} `));
  if (group.length === 0) {
    io.err(`ringside: unknown command "${word}"${didYouMean(word, COMMAND_WORDS)}: use ${COMMAND_WORDS.join(' | ')}, or no command to run the server\n(${PROGRAM} --help: every command and option explained)\n`);
    return 2;
  }
  const command = group.length === 1 && group[0]!.name === word ? group[0]! : group.find((c) => c.name === `${word} ${action}`);
  if (!command) {
    // `keys --help`, `keys`, `keys rotate`: the group's actions, each with its options.
    if (action !== undefined && asksHelp([action])) {
      io.out(groupHelp(group));
      return 0;
    }
    const which = action === undefined || action.startsWith('-') ? `name the action first: ` : `unknown action "${action}"${didYouMean(`${word} ${action}`, group.map((c) => c.name))}: `;
    io.err(`ringside ${word}: ${which}use ${group.map((c) => c.name).join(' | ')}\n${shortUsage(group, word)}`);
    return 2;
  }
  return runCommand(command, argv.slice(command.name.split(' ').length), io);
}

async function runCommand(command: Subcommand, args: readonly string[], io: Io): Promise<number> {
  const usage = (message: string) => {
    io.err(`ringside ${command.name}: ${message}\n${shortUsage([command], command.name)}`);
    return 2;
  };
  try {
    let values: Values;
    try {
      ({ values } = parseArgs({ args: joinNegativeValues(args, command.options), strict: true, options: parseOptions({ ...command.options, ...HELP_OPTION }) }) as { values: Values });
    } catch (error) {
      // --help wins over whatever else is wrong on the line: the help says what is right.
      if (asksHelp(args)) values = { help: true };
      else throw error;
    }
    if (values.help) {
      io.out(commandHelp(command));
      return 0;
    }
    const missing = command.required.filter((o) => values[o] === undefined || values[o] === '');
    if (missing.length > 0) return usage(`${missing.map((o) => optionWords(o, command.options[o])).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required`);
    return await command.run(values, io);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return usage(siblingOption(command, e.message) ?? parseArgsProblem(error, args, command.options));
    if (error instanceof UsageError) return usage(e.message);
    if (USAGE_CODES.has(e.code ?? '')) return usage(parseArgsProblem(error, args, { ...command.options, ...HELP_OPTION }));
    io.err(`ringside ${command.name}: ${isDomainError(error) ? error.message : e.message}\n`);
    return 1;
  }
}

/** For an option of another action of the group (`forward mqtt --file`), whose it is. */
function siblingOption(command: Subcommand, message: string): string | undefined {
  const name = /'--([^'=]+)'/.exec(message)?.[1];
  const group = command.name.split(' ')[0]!;
  const sibling = SUBCOMMANDS.some((c) => c !== command && c.name.startsWith(`${group} `) && name !== undefined && name in c.options);
  return sibling ? `--${name} is not an option of ${command.name}` : undefined;
}
