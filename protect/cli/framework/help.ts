import type { CommandSpec, OptionSpec } from "./spec.ts";

function flagLabel(o: OptionSpec): string {
  const names = o.short ? `-${o.short}, --${o.long}` : `    --${o.long}`;
  return o.value ? `${names} <${o.value}>` : names;
}

function optionNotes(o: OptionSpec): string {
  const notes: string[] = [];
  if (o.choices) notes.push(`one of ${o.choices.join(", ")}`);
  if (o.default !== undefined) notes.push(`default ${o.default}`);
  if (o.env) notes.push(`env ${o.env}`);
  if (o.repeatable) notes.push("repeatable");
  if (o.required) notes.push("required");
  return notes.length ? ` (${notes.join("; ")})` : "";
}

function section(title: string, rows: [string, string][]): string {
  if (rows.length === 0) return "";
  const width = Math.max(...rows.map(([l]) => l.length));
  return `\n${title}:\n` + rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`).join("\n") + "\n";
}

/** Help text for `command`, reached through `path` (e.g. ["protect", "zone"]). */
export function helpText(command: CommandSpec, path: string[], globals: OptionSpec[]): string {
  const args = (command.args ?? []).map((a) =>
    a.variadic ? `[--] [${a.name}...]` : a.optional ? `[${a.name}]` : `<${a.name}>`
  );
  const usage = [
    ...path,
    ...(command.commands?.length ? ["<command>"] : []),
    ...args,
    "[options]",
  ].join(" ");
  const aliases = command.aliases?.length ? ` (alias: ${command.aliases.join(", ")})` : "";
  const own = command.options ?? [];
  const isRoot = path.length === 1;
  return `Usage: ${usage}\n\n${command.summary}${aliases}\n` +
    section("Commands", (command.commands ?? []).map((c) => [c.name, c.summary])) +
    section("Arguments", (command.args ?? []).map((a) => [a.name, a.description])) +
    section(
      "Options",
      [...own, { long: "help", short: "h", description: "show this help" }]
        .map((o) => [flagLabel(o), o.description + optionNotes(o)]),
    ) +
    (isRoot ? "" : section(
      "Global options",
      globals.map((o) => [flagLabel(o), o.description + optionNotes(o)]),
    ));
}
