// What every subcommand is made of, how it says it was used wrongly (exit 2), and its help: the option table
// the parser reads is the one the help is written from, so the two cannot drift. Apart from the table of
// subcommands so that a subcommand in its own module can use them.
import type { ParseArgsConfig } from 'node:util';
import { didYouMean } from '../protocol/nearMiss';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The options given: a repeatable (`multiple`) string option's values as a list. */
export type Values = Record<string, string | string[] | boolean | undefined>;

/** One option: how node:util parseArgs reads it, and how the help shows it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in the help (DIR, N, URL); string options only. */
  value?: string;
  /** What it does, for the help (may run over several lines). */
  help: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Every command and the server take --help (-h). */
export const HELP_OPTION: OptionSpecs = { help: { type: 'boolean', short: 'h', help: 'show this help' } };

export interface Subcommand {
  /** Its words: `verify`, or `keys create` (a group's action). */
  name: string;
  /** What it does, for the help. */
  summary: string;
  /** Options it accepts (--help is added to every command). */
  options: OptionSpecs;
  /** Options it cannot do without. */
  required: readonly string[];
  run(values: Values, io: Io): Promise<number>;
}

/** Thrown by a subcommand for bad usage: exit 2 with the message. */
export class UsageError extends Error {}

type ParseConfig<S extends OptionSpecs> = { [K in keyof S]: Pick<S[K], Extract<keyof S[K], 'type' | 'multiple' | 'short'>> };

/** The parseArgs configuration of a table of options (typed as the table is, so parseArgs types its values). */
export function parseOptions<S extends OptionSpecs>(specs: S): ParseConfig<S> & NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [name, { type: s.type, ...(s.multiple ? { multiple: true } : {}), ...(s.short ? { short: s.short } : {}) }]),
  ) as ParseConfig<S> & NonNullable<ParseArgsConfig['options']>;
}

/**
 * The arguments with a negative number given to a string option joined to it (`--port -1` → `--port=-1`), so that
 * the option's own range check names what is wrong; node:util parseArgs would otherwise refuse it as ambiguous
 * (it might be another option). Anything else that starts with a dash is left as it is.
 */
export function joinNegativeValues(args: readonly string[], specs: OptionSpecs): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && Object.hasOwn(specs, name) && specs[name]!.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return joined;
}

/**
 * node:util parseArgs' refusal of a value said as every other bad value is, naming the option and what it takes:
 * `--port` with nothing after it, or followed by another option (parseArgs: "argument is ambiguous … use
 * '--port=-XYZ'"), and a value given to an option that takes none, also when it is written after it (`--demo yes`,
 * which parseArgs calls a positional argument and names no option). An unknown option names the one it most likely
 * mistypes. Anything else in parseArgs' own words.
 */
export function parseArgsProblem(error: unknown, args: readonly string[], specs: OptionSpecs): string {
  const message = (error as Error).message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = /'--([^'=]+)'/.exec(message)?.[1];
    return name === undefined ? message : message + didYouMean(`--${name}`, Object.keys(specs).map((o) => `--${o}`));
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return flagGivenAValue(args, specs) ?? message;
  if (code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return message;
  const name = /'--([\w-]+)/.exec(message)?.[1];
  const spec = name === undefined ? undefined : specs[name];
  if (name === undefined || spec === undefined) return message;
  if (spec.type === 'boolean') return `--${name} takes no value`;
  const wanted = `${optionWords(name, spec)}: ${spec.help.split('\n')[0]}`;
  const at = args.lastIndexOf(`--${name}`);
  const next = at >= 0 ? args[at + 1] : undefined;
  if (next === undefined) return `--${name} needs a value, and nothing follows it (${wanted})`;
  return `--${name} needs a value, and the next word "${next}" is an option (${wanted}); a value that starts with "-" is written --${name}=VALUE`;
}

/** `--demo takes no value (got "yes")` for the first word after an option that takes none, if it is not an option. */
function flagGivenAValue(args: readonly string[], specs: OptionSpecs): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) return undefined; // the first positional word follows no flag
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const spec = name === undefined ? undefined : specs[name];
    const next = args[i + 1];
    if (spec?.type === 'string' && !arg.includes('=')) i++;
    else if (spec?.type === 'boolean' && next !== undefined && !next.startsWith('-')) return `--${name} takes no value (got ${JSON.stringify(next)})`;
  }
  return undefined;
}

/** `--data DIR`, `--json`: an option as the help and messages write it. */
export function optionWords(name: string, spec: OptionSpec | undefined): string {
  return spec?.type === 'string' ? `--${name} ${spec.value ?? name.toUpperCase()}` : `--${name}`;
}

/** `keys create --data DIR --name NAME [--json]`: the command's required options, then the others in brackets. */
export function synopsis(command: Subcommand): string[] {
  const words = [command.name, ...command.required.map((o) => optionWords(o, command.options[o]))];
  for (const [name, spec] of Object.entries(command.options)) if (!command.required.includes(name)) words.push(`[${optionWords(name, spec)}]`);
  return words;
}

const HELP_INDENT = 22;

/** The options as help lines: `  --data DIR          what it is`, continuation lines indented under the text. */
export function optionLines(specs: OptionSpecs): string {
  return Object.entries(specs)
    .map(([name, spec]) => {
      const words = `${spec.short ? `-${spec.short}, ` : ''}${optionWords(name, spec)}`;
      const [first, ...rest] = spec.help.split('\n');
      const head = words.length + 2 < HELP_INDENT ? `  ${words.padEnd(HELP_INDENT - 2)}${first}` : `  ${words}\n${' '.repeat(HELP_INDENT)}${first}`;
      return [head, ...rest.map((l) => ' '.repeat(HELP_INDENT) + l)].join('\n');
    })
    .join('\n');
}

/** Words (an option with its value is one) on lines of at most `width`, every line after the first indented. */
export function wrap(words: readonly string[], indent: number, width = 116): string {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = ' '.repeat(indent) + word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}

export const PROGRAM = 'node server/dist/main.js';

/** One command's help: its synopsis, what it does, every option. */
export function commandHelp(command: Subcommand): string {
  return `Usage: ${wrap([PROGRAM, ...synopsis(command)], 9)}\n\n${command.summary}\n\n${optionLines({ ...command.options, ...HELP_OPTION })}\n`;
}

/** The help of a group (`keys`, `forward`): each action's. */
export function groupHelp(commands: readonly Subcommand[]): string {
  return commands.map(commandHelp).join('\n');
}

/** What bad usage prints after its message: the commands' synopses, and where the rest is. */
export function shortUsage(commands: readonly Subcommand[], helpOf: string): string {
  return `${commands.map((c, i) => `${i === 0 ? 'Usage: ' : '       '}${wrap([PROGRAM, ...synopsis(c)], 9)}`).join('\n')}\n(${helpOf} --help: every option explained)\n`;
}

/** An http(s) URL (the TSA's, the kiosk link's server). */
export function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
