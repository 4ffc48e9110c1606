import assert from "node:assert/strict";
import { join } from "node:path";
import { connTransport } from "./transport.ts";

Deno.test("socket transport: chunks in order, then done, and done again after that", async () => {
  const path = join(Deno.makeTempDirSync(), "t.sock");
  const listener = Deno.listen({ transport: "unix", path });
  const [client, server] = await Promise.all([
    Deno.connect({ transport: "unix", path }),
    listener.accept(),
  ]);
  try {
    const reader = connTransport(server);
    const writer = connTransport(client);
    await writer.write(new TextEncoder().encode("abc"));
    const chunks = reader.readable[Symbol.asyncIterator]();
    const first = await chunks.next();
    assert.equal(new TextDecoder().decode(first.value), "abc");
    writer.close();
    assert.deepEqual(await chunks.next(), { value: undefined, done: true });
    assert.deepEqual(await chunks.next(), { value: undefined, done: true }, "stays done");
    reader.close();
  } finally {
    listener.close();
  }
});
