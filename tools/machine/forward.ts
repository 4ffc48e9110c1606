/**
 * `protect machine`'s forwarder (the logic is in forwarder.ts). On the host it turns
 * QEMU's forwarded TCP port back into /run/protect/daemon.sock, sending the
 * machine's secret first; in the machine's dom0 it exposes the daemon's socket on
 * the virtual NIC to connections that bring that secret.
 * Usage: deno run -A forward.ts --listen ADDR --to ADDR [--send-secret FILE | --require-secret FILE]
 * ADDR: unix:/path or tcp:host:port. FILE: the secret's hex on one line, readable by root only.
 */
import { parseArgs } from "node:util";
import { type Address, forward, parseAddress } from "./forwarder.ts";

function fail(message: string): never {
  console.error(`forward: ${message}`);
  Deno.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    args: Deno.args,
    options: {
      listen: { type: "string" },
      to: { type: "string" },
      "send-secret": { type: "string" },
      "require-secret": { type: "string" },
    },
    strict: true,
  }));
} catch (e) {
  fail((e as Error).message);
}
const address = (flag: "listen" | "to"): Address =>
  parseAddress(values[flag] ?? "") ??
    fail(`--${flag} must be unix:/path or tcp:host:port (got ${values[flag] ?? "nothing"})`);
const secret = (flag: "send-secret" | "require-secret"): string | undefined => {
  const file = values[flag];
  if (file === undefined) return undefined;
  try {
    const text = Deno.readTextFileSync(file).trim();
    if (!/^[0-9a-f]{64}$/.test(text)) fail(`--${flag} ${file}: not a 64-digit hex secret`);
    return text;
  } catch (e) {
    return fail(`--${flag} ${file}: ${(e as Error).message}`);
  }
};

forward({
  listen: address("listen"),
  to: address("to"),
  sendSecret: secret("send-secret"),
  requireSecret: secret("require-secret"),
  log: (message) => console.error(`forward: ${message}`),
});
console.error(`forward: ${values.listen} -> ${values.to}`);
