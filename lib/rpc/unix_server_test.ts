import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { ControlService } from "../../proto/mod.ts";
import { UnimplementedError } from "../errors/mod.ts";
import { createUnixTransport, errorInterceptor, serveUnix } from "./mod.ts";

const routes = (router: import("@connectrpc/connect").ConnectRouter) =>
  router.service(ControlService, {
    resolveZoneId: (req) => ({ zoneId: `id-of-${req.name}` }),
    listImages: () => {
      throw new UnimplementedError("not yet");
    },
    async *watchEvents() {
      for (const id of ["a", "b"]) {
        yield { event: { case: "zoneChanged", value: { id } } };
      }
    },
  });

Deno.test("unary and server-streaming RPCs over a 0660 Unix socket; errors keep their code", async () => {
  const path = join(Deno.makeTempDirSync(), "t.sock");
  const server = await serveUnix({ path, routes, interceptors: [errorInterceptor()] });
  const transport = createUnixTransport(path);
  try {
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o660);
    const client = createClient(ControlService, transport);
    assert.equal((await client.resolveZoneId({ name: "x" })).zoneId, "id-of-x");
    const ids: string[] = [];
    for await (const e of client.watchEvents({})) ids.push(e.event.value!.id);
    assert.deepEqual(ids, ["a", "b"]);
    await assert.rejects(client.listImages({}), { code: 12, rawMessage: "not yet" });
  } finally {
    transport.close();
    await server.close();
  }
  assert.throws(() => Deno.statSync(path), Deno.errors.NotFound, "socket removed on close");
});

Deno.test("a stale socket is replaced; a live one or a regular file is refused", async () => {
  const dir = Deno.makeTempDirSync();
  const file = join(dir, "file.sock");
  Deno.writeTextFileSync(file, "keep me");
  await assert.rejects(serveUnix({ path: file, routes }), /exists and is not a socket/);
  assert.equal(Deno.readTextFileSync(file), "keep me");

  const path = join(dir, "t.sock");
  const stale = Deno.listen({ transport: "unix", path });
  stale.close();
  const server = await serveUnix({ path, routes });
  try {
    await assert.rejects(serveUnix({ path, routes }), /another process is already serving/);
  } finally {
    await server.close();
  }
});
