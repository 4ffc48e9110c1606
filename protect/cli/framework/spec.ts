/**
 * Declarative command tree for the CLI. Hand-written rather than commander:
 * commander pulls in Deno's Node compatibility layer (node:events,
 * node:child_process), which alone costs ~50 ms of every CLI start.
 */

/** A flag. Without `value` it is a boolean switch. */
export interface OptionSpec {
  long: string;
  short?: string;
  /** Placeholder shown in help, e.g. "MiB"; present = the flag takes a value. */
  value?: string;
  description: string;
  choices?: readonly string[];
  default?: string | number;
  /** Environment variable consulted when the flag is absent. */
  env?: string;
  repeatable?: boolean;
  required?: boolean;
  /** Turns the text into the stored value; throws UsageError on bad input. */
  parse?: (text: string, flag: string) => unknown;
}

export interface ArgSpec {
  name: string;
  description: string;
  optional?: boolean;
  default?: string;
  /** Last argument only: takes every remaining word (e.g. a command line after `--`). */
  variadic?: boolean;
}

/** Parsed flags by long name (repeatables as arrays, switches as true). */
export type Options = Record<string, unknown>;

export interface RunContext {
  args: string[];
  /** This command's flags merged with the global ones. */
  options: Options;
  /** The root command, for help and completion. */
  root: CommandSpec;
}

export interface CommandSpec {
  name: string;
  aliases?: string[];
  summary: string;
  options?: OptionSpec[];
  args?: ArgSpec[];
  commands?: CommandSpec[];
  run?: (context: RunContext) => Promise<void> | void;
}

/** Bad command line; main prints it with a pointer to --help and exits 2. */
export class UsageError extends Error {
  constructor(message: string, readonly commandPath: string) {
    super(message);
  }
}
