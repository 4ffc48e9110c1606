import type { CommandSpec } from "../cli/framework/mod.ts";
import { UsageError } from "../cli/framework/mod.ts";

/** Every command path ("", "zone", "zone launch", ...) with the words that may follow it. */
function completionTable(root: CommandSpec): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const globals = root.options ?? [];
  const walk = (command: CommandSpec, path: string[]) => {
    const options = path.length === 0 ? globals : [...(command.options ?? []), ...globals];
    table.set(path.join(" "), [
      ...(command.commands ?? []).map((c) => c.name),
      ...options.flatMap((o) => [`--${o.long}`, ...(o.short ? [`-${o.short}`] : [])]),
      "--help",
    ]);
    for (const sub of command.commands ?? []) walk(sub, [...path, sub.name]);
  };
  walk(root, []);
  return table;
}

/** A bash completion script; zsh loads it through bashcompinit. */
export function bashCompletion(root: CommandSpec): string {
  const entries = [...completionTable(root)]
    .map(([path, words]) => `    [${JSON.stringify(path)}]=${JSON.stringify(words.join(" "))}`)
    .join("\n");
  return `# protect shell completion: eval "$(protect completion bash)"
_protect_complete() {
  declare -A words=(
${entries}
  )
  local path="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    if [[ -n "\${words["\${path:+$path }$w"]+x}" ]]; then path="\${path:+$path }$w"; fi
  done
  COMPREPLY=($(compgen -W "\${words["$path"]}" -- "\${COMP_WORDS[COMP_CWORD]}"))
}
complete -F _protect_complete protect
`;
}

export const completionCommand: CommandSpec = {
  name: "completion",
  summary: "print a shell completion script (bash, or zsh with bashcompinit)",
  args: [{ name: "shell", description: "bash or zsh", optional: true, default: "bash" }],
  run({ args: [shell], root }) {
    const script = bashCompletion(root);
    if (shell === "zsh") console.log(`autoload -U +X bashcompinit && bashcompinit\n${script}`);
    else if (shell === "bash") console.log(script);
    else {throw new UsageError(
        `no completion for shell "${shell}" (bash or zsh)`,
        "protect completion",
      );}
  },
};
