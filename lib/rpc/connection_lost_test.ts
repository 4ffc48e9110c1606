import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { ControlService } from "../../proto/mod.ts";
import { connectionLost, createUnixTransport } from "./mod.ts";

/** A "server" that reads the request's first bytes, then does `then` to the connection. */
function brokenServer(path: string, then: (conn: Deno.Conn) => Promise<void>) {
  const listener = Deno.listen({ transport: "unix", path });
  (async () => {
    for await (const conn of listener) {
      await conn.read(new Uint8Array(4096));
      await then(conn).catch(() => {});
    }
  })().catch(() => {});
  return listener;
}

Deno.test("a server that goes away mid-call is a lost connection, whatever the OS said", async () => {
  const dir = Deno.makeTempDirSync();
  const ways: Record<string, (conn: Deno.Conn) => Promise<void>> = {
    "closed before answering": (conn) => Promise.resolve(conn.close()),
    "closed inside the response head": async (conn) => {
      await conn.write(new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Ty"));
      conn.close();
    },
  };
  for (const [how, then] of Object.entries(ways)) {
    const path = join(dir, `${how.length}.sock`);
    const listener = brokenServer(path, then);
    const transport = createUnixTransport(path);
    try {
      const error = await createClient(ControlService, transport).listZones({}).then(
        () => undefined,
        (e) => e,
      );
      const lost = connectionLost(error, path);
      assert.ok(lost, `${how}: ${error}`);
      assert.match(lost.message, new RegExp(`the connection to ${path} broke`));
    } finally {
      transport.close();
      listener.close();
    }
  }
  // Nobody there at all: not "lost" (the CLI says it cannot reach the daemon).
  const transport = createUnixTransport(join(dir, "nobody.sock"));
  const error = await createClient(ControlService, transport).listZones({}).catch((e) => e);
  assert.equal(connectionLost(error, "x"), undefined, String(error));
  transport.close();
  Deno.removeSync(dir, { recursive: true });
});
