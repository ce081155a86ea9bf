// What every subcommand is made of, and how it says it was used wrongly (exit 2); apart from the table of
// subcommands so that a subcommand in its own module can use them.

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export type Values = Record<string, string | boolean | undefined>;

export interface Subcommand {
  name: string;
  /** Options it accepts (all strings, but for the boolean ones). */
  options: Record<string, { type: 'string' | 'boolean' }>;
  /** Options it cannot do without. */
  required: readonly string[];
  /** Positional words before the options (`keys create`), if any. */
  actions?: readonly string[];
  run(values: Values, io: Io, action: string | undefined): Promise<number>;
}

/** Thrown by a subcommand for bad usage: exit 2 with the message. */
export class UsageError extends Error {}
