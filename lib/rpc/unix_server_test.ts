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
    for await (const { event } of client.watchEvents({})) {
      if (event.case === "zoneChanged") ids.push(event.value.id);
    }
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

/** One raw HTTP/1.1 request over the socket; the status line and body of the answer. */
async function rawPost(path: string, rpc: string, contentType: string, body: Uint8Array) {
  const conn = await Deno.connect({ transport: "unix", path });
  const head = `POST ${rpc} HTTP/1.1\r\nHost: protect.local\r\nContent-Type: ${contentType}\r\n` +
    `Connection: close\r\nContent-Length: ${body.length}\r\n\r\n`;
  await conn.write(new Uint8Array([...new TextEncoder().encode(head), ...body]));
  const text = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
  return { status: Number(text.split(" ")[1]), body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

Deno.test("a body that is not the method's message is invalid_argument, not internal", async () => {
  const path = join(Deno.makeTempDirSync(), "t.sock");
  const server = await serveUnix({ path, routes, interceptors: [errorInterceptor()] });
  const rpc = "/protect.control.v1.ControlService/ResolveZoneId";
  try {
    const garbage = await rawPost(path, rpc, "application/proto", new Uint8Array([0xff, 0xff, 7]));
    assert.equal(garbage.status, 400);
    const error = JSON.parse(garbage.body);
    assert.equal(error.code, "invalid_argument");
    assert.match(error.message, /not a protect\.control\.v1\.ResolveZoneIdRequest message/);
    const json = await rawPost(path, rpc, "application/json", new TextEncoder().encode("{nope"));
    assert.equal(json.status, 400);
    assert.equal(JSON.parse(json.body).code, "invalid_argument");
    const good = await rawPost(
      path,
      rpc,
      "application/json",
      new TextEncoder().encode('{"name":"x"}'),
    );
    assert.equal(good.status, 200);
    assert.deepEqual(JSON.parse(good.body), { zoneId: "id-of-x" });
  } finally {
    await server.close();
  }
});

Deno.test("a unary body over the limit is refused before it is read whole", async () => {
  const path = join(Deno.makeTempDirSync(), "t.sock");
  const server = await serveUnix({ path, routes, readMaxBytes: 1024 });
  const rpc = "/protect.control.v1.ControlService/ResolveZoneId";
  try {
    // Declared too big: refused from the head alone (the body is never sent here).
    const conn = await Deno.connect({ transport: "unix", path });
    await conn.write(new TextEncoder().encode(
      `POST ${rpc} HTTP/1.1\r\nHost: p\r\nContent-Type: application/proto\r\n` +
        "Connection: close\r\nContent-Length: 104857600\r\n\r\n",
    ));
    // The answer comes at once; the server never waits for the 100 MB.
    let head = "";
    const buffer = new Uint8Array(4096);
    while (!head.includes("limit")) {
      const n = await conn.read(buffer);
      if (n === null) break;
      head += new TextDecoder().decode(buffer.subarray(0, n));
    }
    conn.close();
    assert.match(head, /^HTTP\/1\.1 413/);
    assert.match(
      head,
      /"code":"resource_exhausted".*104857600 bytes\) is over the 1024-byte limit/,
    );
    const small = await rawPost(
      path,
      rpc,
      "application/json",
      new TextEncoder().encode('{"name":"x"}'),
    );
    assert.equal(small.status, 200);
  } finally {
    await server.close();
  }
});
