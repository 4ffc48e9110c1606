import { parseArgs } from "node:util";
import { ProtectError } from "../errors/mod.ts";
import { type LogLevel, parseLogLevel } from "../log/mod.ts";

export interface DaemonMain {
  /** Program name for messages, e.g. "protect-storage". */
  name: string;
  /** One-line description for --help. */
  summary: string;
  /** What lives under --root, for --help. */
  rootLayout: string;
  start(options: { root: string; logLevel?: LogLevel }): Promise<{ close(): Promise<void> }>;
}

/**
 * The shared `main` of protect's daemons: `--root`, `--log-level`, `--help`,
 * one-line start-up errors (exit 1; usage errors exit 2), and a clean stop
 * on SIGINT/SIGTERM. No logic beyond that.
 */
export async function runDaemonMain(program: DaemonMain, args: string[]): Promise<void> {
  const usage = `${program.name}: ${program.summary}

Usage: ${program.name} [--root DIR] [--log-level LEVEL]

  --root DIR         put every path under DIR (default /): ${program.rootLayout}
  --log-level LEVEL  debug, info, warn or error (default: the config file's, else info)
  -h, --help         show this help
`;
  const fail = (message: string, code: number): never => {
    console.error(`${program.name}: ${message}`);
    Deno.exit(code);
  };
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        root: { type: "string", default: "/" },
        "log-level": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    return fail(`${(e as Error).message}\n\n${usage}`, 2);
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  const level = values["log-level"];
  if (level !== undefined && !parseLogLevel(level)) {
    fail(`--log-level: "${level}" is not one of debug, info, warn, error`, 2);
  }
  let running;
  try {
    running = await program.start({ root: values.root, logLevel: parseLogLevel(level ?? "") });
  } catch (e) {
    if (e instanceof ProtectError || e instanceof Deno.errors.NotCapable) fail(e.message, 1);
    throw e;
  }
  const { promise: stopped, resolve } = Promise.withResolvers<void>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, resolve);
  await stopped;
  await running.close();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(signal, resolve);
  // Everything is closed and flushed. Exit now rather than wait on a runtime
  // handle left behind (seen: a signal-watcher thread kept protect-network alive).
  Deno.exit(0);
}
