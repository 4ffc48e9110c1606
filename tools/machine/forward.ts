/**
 * A byte-for-byte connection forwarder for `protect machine`: every connection
 * accepted on --listen is joined to a new connection to --to. Addresses are
 * `unix:/path` or `tcp:host:port`. On the host it turns QEMU's forwarded TCP
 * port back into /run/protect/daemon.sock; in the machine's dom0 it exposes
 * the daemon's socket on the virtual NIC.
 * Usage: deno run -A forward.ts --listen ADDR --to ADDR
 */
import { parseArgs } from "node:util";

type Address = { transport: "unix"; path: string } | {
  transport: "tcp";
  hostname: string;
  port: number;
};

function address(text: string | undefined, flag: string): Address {
  if (text?.startsWith("unix:/")) return { transport: "unix", path: text.slice(5) };
  const tcp = text?.match(/^tcp:([^:]+):(\d{1,5})$/);
  if (tcp) return { transport: "tcp", hostname: tcp[1], port: Number(tcp[2]) };
  console.error(
    `forward: --${flag} must be unix:/path or tcp:host:port (got ${text ?? "nothing"})`,
  );
  Deno.exit(2);
}

const { values } = parseArgs({
  args: Deno.args,
  options: { listen: { type: "string" }, to: { type: "string" } },
  strict: true,
});
const listen = address(values.listen, "listen");
const to = address(values.to, "to");

if (listen.transport === "unix") {
  try {
    Deno.removeSync(listen.path); // a stale socket from an earlier run
  } catch { /* not there */ }
}
const listener = listen.transport === "unix"
  ? Deno.listen({ transport: "unix", path: listen.path })
  : Deno.listen({ hostname: listen.hostname, port: listen.port });
if (listen.transport === "unix") Deno.chmodSync(listen.path, 0o660);
console.error(`forward: ${values.listen} -> ${values.to}`);

for await (const inbound of listener) {
  (async () => {
    let outbound: Deno.Conn;
    try {
      outbound = to.transport === "unix"
        ? await Deno.connect({ transport: "unix", path: to.path })
        : await Deno.connect({ hostname: to.hostname, port: to.port });
    } catch (e) {
      console.error(`forward: cannot reach ${values.to}: ${(e as Error).message}`);
      return inbound.close();
    }
    // Each direction ends on its own; closing both once either fails is enough.
    await Promise.allSettled([
      inbound.readable.pipeTo(outbound.writable),
      outbound.readable.pipeTo(inbound.writable),
    ]);
    for (const c of [inbound, outbound]) {
      try {
        c.close();
      } catch { /* closed */ }
    }
  })();
}
