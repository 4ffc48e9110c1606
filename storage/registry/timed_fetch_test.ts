import assert from "node:assert/strict";
import * as net from "node:net";
import { DeadlineExceededError } from "../../lib/errors/mod.ts";
import { createLogger } from "../../lib/log/mod.ts";
import { parseReference } from "../../lib/reference/mod.ts";
import { RegistryClient } from "./registry_client.ts";

/** A TCP server that does `serve` with each connection; its port, and whether each closed. */
async function server(serve: (socket: net.Socket) => void) {
  const closed: Promise<void>[] = [];
  const s = net.createServer((socket) => {
    closed.push(new Promise((r) => socket.on("close", () => r())));
    socket.on("error", () => {});
    serve(socket);
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return { port: (s.address() as net.AddressInfo).port, closed, stop: () => s.close() };
}

const client = () =>
  new RegistryClient({
    insecure: [],
    mirrors: {},
    credentials: new Map(),
    log: createLogger("test", { level: "error" }),
    maxManifestBytes: 1 << 20,
    answerTimeoutMs: 300,
    stallTimeoutMs: 300,
  });

Deno.test("a registry that never answers, or stalls mid-body, fails the request in time", async () => {
  const silent = await server(() => {}); // accepts, reads, never answers
  const stalling = await server((socket) =>
    socket.once("data", () =>
      socket.write(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\n" +
          "0123456789",
      ))
  );
  try {
    const started = performance.now();
    await assert.rejects(
      client().getManifest(parseReference(`127.0.0.1:${silent.port}/a/b:1`), "1"),
      (e) => /did not answer within 0\.3 s/.test((e as Error).message),
    );
    assert.ok(performance.now() - started < 3000);

    const ref = parseReference(`127.0.0.1:${stalling.port}/a/b:1`);
    const digest = `sha256:${"0".repeat(64)}`;
    const { body } = await client().blobSource(ref, digest)(0);
    const read = (async () => {
      for await (const _ of body) { /* until it stalls */ }
    })();
    await assert.rejects(
      read,
      (e) => e instanceof DeadlineExceededError && /sent nothing for 0\.3 s/.test(e.message),
    );
  } finally {
    silent.stop();
    stalling.stop();
  }
});

Deno.test("a pull the client gave up on stops at once, with the client's reason", async () => {
  // (Deno 2.9.3 keeps the socket itself open until the server closes it, even after the abort
  // and HttpClient.close(); what stops is the request and the pull behind it.)
  const silent = await server(() => {});
  try {
    const abort = new AbortController();
    const slow = new RegistryClient({
      insecure: [],
      mirrors: {},
      credentials: new Map(),
      log: createLogger("test", { level: "error" }),
      maxManifestBytes: 1 << 20,
    });
    const pending = slow.getManifest(
      parseReference(`127.0.0.1:${silent.port}/a/b:1`),
      "1",
      undefined,
      abort.signal,
    );
    await new Promise((r) => setTimeout(r, 100));
    const aborted = performance.now();
    abort.abort(new Error("the client went away"));
    await assert.rejects(pending, /the client went away/);
    assert.ok(performance.now() - aborted < 500);
  } finally {
    silent.stop();
  }
});
