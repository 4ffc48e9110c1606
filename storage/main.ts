/**
 * protect-storage: flags, wiring, signals. The logic lives in storage.ts and below.
 */
import { parseArgs } from "node:util";
import { ProtectError } from "../lib/errors/mod.ts";
import { parseLogLevel } from "../lib/log/mod.ts";
import { startStorage } from "./storage.ts";

const USAGE = `protect-storage: OCI images and scratch disks for protect

Usage: protect-storage [--root DIR] [--log-level LEVEL]

  --root DIR         put every path under DIR (default /): DIR/run/protect/storage.sock,
                     DIR/var/lib/protect/images/, DIR/etc/protect/storage.toml
  --log-level LEVEL  debug, info, warn or error (default: storage.toml's, else info)
  -h, --help         show this help
`;

function fail(message: string, code = 2): never {
  console.error(`protect-storage: ${message}`);
  Deno.exit(code);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        root: { type: "string", default: "/" },
        "log-level": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    fail(`${(e as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const level = values["log-level"];
  if (level !== undefined && !parseLogLevel(level)) {
    fail(`--log-level: "${level}" is not one of debug, info, warn, error`);
  }
  let storage;
  try {
    storage = await startStorage({ root: values.root, logLevel: parseLogLevel(level ?? "") });
  } catch (e) {
    if (e instanceof ProtectError || e instanceof Deno.errors.NotCapable) fail(e.message, 1);
    throw e;
  }
  const { promise: stopped, resolve } = Promise.withResolvers<void>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, resolve);
  await stopped;
  await storage.close();
}

if (import.meta.main) await main();
