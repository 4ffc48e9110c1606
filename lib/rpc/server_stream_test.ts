import assert from "node:assert/strict";
import { join } from "node:path";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { ControlService } from "../../proto/mod.ts";
import { ResourceExhaustedError } from "../errors/mod.ts";
import { errorInterceptor, serverStream, serveUnix } from "./mod.ts";

const routes = (router: ConnectRouter) =>
  router.service(ControlService, {
    async *watchEvents() {
      for (const id of ["a", "b", "c"]) yield { event: { case: "zoneChanged", value: { id } } };
      throw new ResourceExhaustedError("fell behind");
    },
  });

Deno.test("serverStream: messages in order, then the server's error with its code", async () => {
  const path = join(Deno.makeTempDirSync(), "s.sock");
  const server = await serveUnix({ path, routes, interceptors: [errorInterceptor()] });
  try {
    const ids: string[] = [];
    const error = await (async () => {
      try {
        for await (const { event } of serverStream(path, ControlService.method.watchEvents, {})) {
          if (event.case === "zoneChanged") ids.push(event.value.id);
        }
      } catch (e) {
        return e;
      }
    })();
    assert.deepEqual(ids, ["a", "b", "c"]);
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(error.code, Code.ResourceExhausted);
    assert.match(error.message, /fell behind/);
  } finally {
    await server.close();
  }
});

Deno.test("serverStream: nobody at the socket is a ConnectError whose cause says why", async () => {
  const path = join(Deno.makeTempDirSync(), "none.sock");
  await assert.rejects(
    async () => {
      for await (const _ of serverStream(path, ControlService.method.watchEvents, {})) {
        /* none */
      }
    },
    (e) => e instanceof ConnectError && e.code === Code.Unknown && e.cause instanceof Error,
  );
});
