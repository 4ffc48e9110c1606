import assert from "node:assert/strict";
import { join } from "node:path";
import { http1UnaryClient } from "./http1_unary.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * What the test server answers to one request (its body), as raw bytes; with
 * `close`, it then closes the connection; undefined: it hangs up without answering.
 */
type Reply = (body: string, index: number) => string | { text: string; close: true } | undefined;

/** A raw HTTP/1.1 server on a Unix socket that counts connections and answers with `reply`. */
function rawServer(reply: Reply) {
  const path = join(Deno.makeTempDirSync(), "h.sock");
  const listener = Deno.listen({ transport: "unix", path });
  const conns: Deno.Conn[] = [];
  let requests = 0;
  (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        let text = "";
        const buf = new Uint8Array(4096);
        while (true) {
          const end = text.indexOf("\r\n\r\n");
          const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? 0);
          if (end >= 0 && text.length >= end + 4 + length) {
            const body = text.slice(end + 4, end + 4 + length);
            text = text.slice(end + 4 + length);
            const out = reply(body, requests++);
            if (out === undefined) return conn.close();
            await conn.write(encoder.encode(typeof out === "string" ? out : out.text));
            if (typeof out !== "string") return conn.close();
            continue;
          }
          const n = await conn.read(buf);
          if (n === null) return conn.close();
          text += decoder.decode(buf.subarray(0, n));
        }
      })().catch(() => {});
    }
  })().catch(() => {});
  return {
    path,
    connections: () => conns.length,
    requests: () => requests,
    close: () => {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    },
  };
}

const ok = (body: string) =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\ncontent-length: ${body.length}\r\n\r\n${body}`;

async function call(
  client: ReturnType<typeof http1UnaryClient>,
  body: string,
  signal?: AbortSignal,
) {
  const response = await client({
    url: "http://protect.local/pkg.Service/Method",
    method: "POST",
    header: new Headers({ "content-type": "application/proto" }),
    body: (async function* () {
      yield encoder.encode(body);
    })(),
    signal,
  });
  let text = "";
  for await (const chunk of response.body) text += decoder.decode(chunk);
  return { status: response.status, type: response.header.get("content-type"), text };
}

/** Runs `body` with a client of a fresh test server answering with `reply`, then closes both. */
async function withClient(
  reply: Reply,
  body: (
    client: ReturnType<typeof http1UnaryClient>,
    server: ReturnType<typeof rawServer>,
  ) => Promise<void>,
) {
  const server = rawServer(reply);
  const client = http1UnaryClient(server.path);
  try {
    await body(client, server);
  } finally {
    client.close();
    server.close();
  }
}

Deno.test("sequential calls share one kept connection", async () => {
  await withClient((body) => ok(`echo:${body}`), async (client, server) => {
    for (const word of ["a", "bb", "ccc"]) {
      assert.deepEqual(await call(client, word), {
        status: 200,
        type: "application/proto",
        text: `echo:${word}`,
      });
    }
    assert.equal(server.connections(), 1);
  });
});

Deno.test("a chunked response is put back together; an error status comes through", async () => {
  await withClient(
    (_, i) =>
      i === 0
        ? "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n"
        : "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
    async (client) => {
      assert.equal((await call(client, "x")).text, "abc0123456789");
      assert.deepEqual(await call(client, "y"), {
        status: 404,
        type: "application/json",
        text: "{}",
      });
    },
  );
});

Deno.test("a kept connection the server closed is not reused; a request is never sent twice", async () => {
  await withClient(
    (body, i) => i === 0 ? { text: ok(body), close: true } : i === 2 ? undefined : ok(body),
    async (client, server) => {
      assert.equal((await call(client, "one")).text, "one");
      await new Promise((r) => setTimeout(r, 20)); // the server's close reaches the idle connection
      assert.equal((await call(client, "two")).text, "two");
      assert.equal(server.connections(), 2, "a fresh connection for the second call");
      // The server takes the third request and hangs up without answering: the call
      // fails, and the request is not sent again.
      await assert.rejects(call(client, "three"), /connection closed inside the response head/);
      assert.equal(server.requests(), 3);
    },
  );
});

Deno.test("a reply that is not HTTP, an oversized head and an abort all fail the call", async () => {
  await withClient(
    (_, i) =>
      i === 0
        ? "SSH-2.0-nope\r\n\r\n"
        : i === 1
        ? `HTTP/1.1 200 OK\r\nx: ${"a".repeat(70_000)}\r\n\r\n`
        : "",
    async (client) => {
      await assert.rejects(call(client, "a"), /not an HTTP\/1.1 response/);
      await assert.rejects(call(client, "b"), /response head longer than/);
      const abort = new AbortController();
      const pending = call(client, "c", abort.signal);
      abort.abort(new Error("given up"));
      await assert.rejects(pending, /given up/);
    },
  );
});
