import { Command } from "commander";

/** Every command path ("", "zone", "zone launch", ...) with the words that may follow it. */
function completionTable(root: Command): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const walk = (command: Command, path: string[]) => {
    const words = [
      ...command.commands.map((c) => c.name()),
      ...command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)),
      "--help",
    ];
    table.set(path.join(" "), words);
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  walk(root, []);
  return table;
}

/** A bash completion script; zsh loads it through bashcompinit. */
export function bashCompletion(root: Command): string {
  const entries = [...completionTable(root)]
    .map(([path, words]) => `  [${JSON.stringify(path)}]=${JSON.stringify(words.join(" "))}`)
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

export function completionCommand(root: () => Command): Command {
  return new Command("completion")
    .description("print a shell completion script (bash, or zsh with bashcompinit)")
    .argument("[shell]", "bash or zsh", "bash")
    .action((shell: string) => {
      const script = bashCompletion(root());
      if (shell === "zsh") console.log(`autoload -U +X bashcompinit && bashcompinit\n${script}`);
      else if (shell === "bash") console.log(script);
      else throw new Error(`no completion for shell "${shell}" (bash or zsh)`);
    });
}
