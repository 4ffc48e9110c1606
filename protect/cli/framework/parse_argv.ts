import type { CommandSpec, Options, OptionSpec } from "./spec.ts";
import { UsageError } from "./spec.ts";

export interface Invocation {
  command: CommandSpec;
  /** Names from the root down, e.g. ["protect", "zone", "launch"]. */
  path: string[];
  args: string[];
  options: Options;
  help: boolean;
}

const findCommand = (parent: CommandSpec, word: string) =>
  parent.commands?.find((c) => c.name === word || c.aliases?.includes(word));

/**
 * Resolves argv against the tree: subcommands first, then flags (global ones
 * anywhere), positional arguments, `--` ending flags. Throws UsageError.
 */
export function parseArgv(
  root: CommandSpec,
  argv: string[],
  env: (name: string) => string | undefined,
): Invocation {
  const globals = root.options ?? [];
  let command = root;
  const path = [root.name];
  const positional: string[] = [];
  const raw = new Map<OptionSpec, string[] | true>();
  let help = false;
  let flagsEnded = false;

  const lookup = (name: string, byShort: boolean) => {
    const match = (o: OptionSpec) => byShort ? o.short === name : o.long === name;
    return (command.options ?? []).find(match) ?? globals.find(match);
  };

  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (flagsEnded || word === "-" || !word.startsWith("-")) {
      const sub = !flagsEnded && positional.length === 0 ? findCommand(command, word) : undefined;
      if (sub) {
        command = sub;
        path.push(sub.name);
      } else {
        positional.push(word);
      }
      continue;
    }
    if (word === "--") {
      flagsEnded = true;
      continue;
    }
    if (word === "-h" || word === "--help") {
      help = true;
      continue;
    }
    const long = word.startsWith("--");
    const eq = word.indexOf("=");
    const name = long ? word.slice(2, eq > 0 ? eq : undefined) : word.slice(1, 2);
    const option = lookup(name, !long);
    if (!option) throw new UsageError(`unknown option ${long ? "--" : "-"}${name}`, path.join(" "));
    if (!option.value) {
      if (eq > 0) throw new UsageError(`--${option.long} takes no value`, path.join(" "));
      raw.set(option, true);
      continue;
    }
    let value: string | undefined;
    if (long && eq > 0) value = word.slice(eq + 1);
    else if (!long && word.length > 2) value = word.slice(2);
    else value = argv[++i];
    if (value === undefined) {
      throw new UsageError(`${word} needs a value <${option.value}>`, path.join(" "));
    }
    const previous = raw.get(option);
    raw.set(option, option.repeatable && Array.isArray(previous) ? [...previous, value] : [value]);
  }

  const where = path.join(" ");
  const options: Options = {};
  for (const option of [...globals, ...(command.options ?? [])]) {
    const given = raw.get(option);
    const flag = `--${option.long}`;
    if (given === true) {
      options[option.long] = true;
      continue;
    }
    const texts = given ?? (() => {
      const fromEnv = option.env ? env(option.env) : undefined;
      if (fromEnv !== undefined && fromEnv !== "") return [fromEnv];
      return option.default !== undefined ? [String(option.default)] : [];
    })();
    if (texts.length === 0) {
      if (option.required && !help) throw new UsageError(`${flag} is required`, where);
      if (option.repeatable) options[option.long] = [];
      continue;
    }
    const values = texts.map((text) => {
      if (option.choices && !option.choices.includes(text)) {
        throw new UsageError(
          `${flag} "${text}" is not one of ${option.choices.join(", ")}`,
          where,
        );
      }
      try {
        return option.parse ? option.parse(text, flag) : text;
      } catch (e) {
        if (e instanceof UsageError) throw new UsageError(e.message, where);
        throw e;
      }
    });
    options[option.long] = option.repeatable ? values : values[0];
  }

  const specs = command.args ?? [];
  // A command group named on its own shows its help.
  if (command.commands?.length && !command.run && positional.length === 0) help = true;
  if (!help) {
    if (command.commands?.length && !command.run) {
      throw new UsageError(`unknown command "${positional[0]}"`, where);
    }
    const variadic = specs.at(-1)?.variadic === true;
    if (!variadic && positional.length > specs.length) {
      throw new UsageError(`unexpected argument "${positional[specs.length]}"`, where);
    }
    const missing = specs.slice(positional.length).find((a) => !a.optional && !a.variadic);
    if (missing) throw new UsageError(`missing argument <${missing.name}>`, where);
  }
  const fixed = specs.filter((a) => !a.variadic);
  const args = [
    ...fixed.map((a, i) => positional[i] ?? a.default ?? ""),
    ...(specs.at(-1)?.variadic ? positional.slice(fixed.length) : []),
  ];
  return { command, path, args, options, help };
}
