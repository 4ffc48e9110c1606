/** The zone agent's command line. */
export interface AgentFlags {
  /** Process driver: the host's IDM socket. */
  idmSocket?: string;
  /** Xen: IDM over vchan, the zone ID from the kernel command line. */
  xen: boolean;
  zoneId: string;
  logFile?: string;
  workDir?: string;
  runtime: "runc" | "crun";
}

const VALUE_FLAGS = ["idm-socket", "zone-id", "log-file", "work-dir", "runtime"] as const;

/**
 * Parses `--flag value`, `--flag=value` and `--xen`. Hand-written rather than
 * node:util's parseArgs: importing any node: module starts Deno's Node
 * compatibility layer, which costs the agent seconds of boot under TCG.
 * Throws an Error naming the bad flag; nothing else is accepted.
 */
export function parseAgentFlags(args: string[]): AgentFlags {
  const values: Record<string, string> = {};
  let xen = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}"`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (name === "xen" && eq < 0) {
      xen = true;
      continue;
    }
    if (!(VALUE_FLAGS as readonly string[]).includes(name)) {
      throw new Error(`unknown flag --${name}`);
    }
    const value = eq < 0 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new Error(`--${name} needs a value`);
    values[name] = value;
  }
  const runtime = values["runtime"] ?? "runc";
  if (runtime !== "runc" && runtime !== "crun") throw new Error("--runtime must be runc or crun");
  if (!values["idm-socket"] && !xen) throw new Error("--idm-socket PATH or --xen is required");
  return {
    idmSocket: values["idm-socket"],
    xen,
    zoneId: values["zone-id"] ?? "",
    logFile: values["log-file"],
    workDir: values["work-dir"],
    runtime,
  };
}
